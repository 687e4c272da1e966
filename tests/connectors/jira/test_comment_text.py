"""Jira comment bodies (ADF) and the hub's comment text: mentions and links are kept both
ways, and text -> ADF -> text gives the same text (so an echo is no edit)."""

from __future__ import annotations

import pytest

from connectors.jira.comment_text import adf_comment_text, comment_adf

TEXTS = [
    "Spec is final, see [the doc](https://wiki.example/spec) and https://example.com/a.",
    "Bea Ross (in Asana): @Ana Lima can you check?\n\nSecond paragraph\nwith a break",
    "- first item\n- second https://example.com/b",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_survives_adf_and_back(text: str) -> None:
    back, _ = adf_comment_text(comment_adf(text, [("@Ana Lima", "5b10ana")]))
    assert back == text


def test_a_mention_is_a_jira_mention_and_reads_back_as_the_person() -> None:
    document = comment_adf("Thanks @Ana Lima!", [("@Ana Lima", "5b10ana")])
    [paragraph] = document["content"]
    assert paragraph["content"] == [
        {"type": "text", "text": "Thanks "},
        {"type": "mention", "attrs": {"id": "5b10ana", "text": "@Ana Lima"}},
        {"type": "text", "text": "!"}]
    assert adf_comment_text(document) == ("Thanks @Ana Lima!", [("@Ana Lima", "5b10ana")])


def test_a_link_is_a_link_mark() -> None:
    document = comment_adf("see [spec](https://wiki.example/spec)")
    assert document["content"][0]["content"][1] == {
        "type": "text", "text": "spec",
        "marks": [{"type": "link", "attrs": {"href": "https://wiki.example/spec"}}]}


def test_a_name_without_an_account_stays_text() -> None:
    document = comment_adf("Thanks @Someone Else", [("@Someone Else", "")])
    assert document["content"][0]["content"] == [{"type": "text",
                                                  "text": "Thanks @Someone Else"}]
