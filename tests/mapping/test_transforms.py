"""Transforms: Jira's rich text (ADF) both ways, e-mails, commas, epoch times, and plugins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.mapping import MappingError, register_transform
from hub.mapping.transforms import TRANSFORMS
from tests.mapping.conftest import LoadText

# What Jira Cloud returns for a description edited in its editor.
JIRA_DESCRIPTION: dict[str, Any] = {"type": "doc", "version": 1, "content": [
    {"type": "heading", "attrs": {"level": 2},
     "content": [{"type": "text", "text": "Login fails"}]},
    {"type": "paragraph", "content": [
        {"type": "text", "text": "Reported by "},
        {"type": "mention", "attrs": {"id": "5b10a2844c20165700ede21g", "text": "@Ana Silva"}},
        {"type": "text", "text": " on "},
        {"type": "text", "text": "prod", "marks": [{"type": "strong"}]},
        {"type": "text", "text": ":"}]},
    {"type": "orderedList", "attrs": {"order": 1}, "content": [
        {"type": "listItem", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "Open "},
            {"type": "text", "text": "/login", "marks": [{"type": "code"}]}]}]},
        {"type": "listItem", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Enter a password"}]},
            {"type": "bulletList", "content": [{"type": "listItem", "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "with an ü"}]}]}]}]}]},
    {"type": "paragraph", "content": []},
    {"type": "paragraph", "content": [
        {"type": "text", "text": "Expected: dashboard"}, {"type": "hardBreak"},
        {"type": "text", "text": "Actual: HTTP 500"}]},
    {"type": "bulletList", "content": [
        {"type": "listItem", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "Chrome 124"}]}]},
        {"type": "listItem", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "Firefox "},
            {"type": "emoji", "attrs": {"shortName": ":fire:", "text": "🔥"}}]}]}]},
    {"type": "rule"},
    {"type": "paragraph", "content": [
        {"type": "inlineCard", "attrs": {"url": "https://status.example.com/incident/7"}}]},
]}
JIRA_TEXT = """\
Login fails

Reported by @Ana Silva on prod:

1. Open /login
2. Enter a password
  - with an ü

Expected: dashboard
Actual: HTTP 500

- Chrome 124
- Firefox 🔥

https://status.example.com/incident/7"""

DESCRIPTION_MAPPING = """\
kind: fake
types:
  issue:
    entity: task
    fields:
      description: {from: fields.description, transform: adf_to_text}
"""

_INLINE = {"text", "hardBreak"}
_BLOCK = {"paragraph", "bulletList", "orderedList"}


def _assert_valid_adf(node: dict[str, Any], allowed: set[str]) -> None:
    assert node["type"] in allowed, node
    if node["type"] == "text":
        assert node["text"], "ADF text nodes must not be empty"
        return
    inner = {"paragraph": _INLINE, "bulletList": {"listItem"}, "orderedList": {"listItem"},
             "listItem": _BLOCK}.get(node["type"], set())
    for child in node.get("content", []):
        _assert_valid_adf(child, inner)


def test_jira_rich_text_reads_as_plain_text_and_writes_back_as_a_valid_document(
        load_text: LoadText) -> None:
    issue = load_text(DESCRIPTION_MAPPING).for_type("issue")

    text = issue.inbound({"fields": {"description": JIRA_DESCRIPTION}}).values["description"]
    assert text == JIRA_TEXT

    written = issue.outbound({"description": text})["fields.description"]
    assert written["type"] == "doc"
    assert written["version"] == 1
    for block in written["content"]:
        _assert_valid_adf(block, _BLOCK)
    # What the hub writes reads back as the same text: no drift on every round trip.
    assert issue.inbound({"fields": {"description": written}}).values["description"] == text


def test_plain_text_paragraphs_become_adf_paragraphs(load_text: LoadText) -> None:
    issue = load_text(DESCRIPTION_MAPPING).for_type("issue")
    written = issue.outbound({"description": "First line\nsecond line\n\nNext paragraph"})
    assert written["fields.description"] == {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [
            {"type": "text", "text": "First line"}, {"type": "hardBreak"},
            {"type": "text", "text": "second line"}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "Next paragraph"}]}]}


def test_a_description_that_is_not_adf_is_reported(load_text: LoadText) -> None:
    issue = load_text(DESCRIPTION_MAPPING).for_type("issue")
    with pytest.raises(MappingError, match=r'description: transform adf_to_text failed on '
                                        r'\{"type": "table"\} at fields.description: '
                                        r"is not an Atlassian document"):
        issue.inbound({"fields": {"description": {"type": "table"}}})


TEXT_MAPPING = """\
kind: fake
types:
  row:
    entity: task
    fields:
      assignees: {from: owners, transform: person_by_email}
      labels: {from: tags, transform: split_comma}
      title: {from: name, transform: strip}
      raw_status: {from: state, transform: casefold}
      completed_at: {from: closed_ms, transform: epoch_ms_to_datetime}
"""


def test_text_transforms_in_and_out(load_text: LoadText) -> None:
    row = load_text(TEXT_MAPPING).for_type("row")
    found = row.inbound({"owners": [" Ana@X.com", "BO@x.com "], "tags": "api, urgent,,ui ",
                         "name": "  Fix  ", "state": "IN Progress",
                         "closed_ms": 1714555800000}).values
    assert found == {"assignees": ["ana@x.com", "bo@x.com"], "labels": ["api", "urgent", "ui"],
                     "title": "Fix", "raw_status": "in progress",
                     "completed_at": datetime(2024, 5, 1, 9, 30, tzinfo=UTC)}

    written = row.outbound(found)
    assert written["tags"] == "api, urgent, ui"
    assert written["closed_ms"] == 1714555800000
    assert written["owners"] == ["ana@x.com", "bo@x.com"]


def test_a_plugin_transform_can_be_used_by_name(load_text: LoadText) -> None:
    register_transform("cents_to_units", lambda v: None if v is None else v / 100,
                       lambda v: None if v is None else int(v * 100))
    try:
        line = load_text("""\
kind: fake
types:
  cost:
    entity: budget_line
    fields:
      planned: {from: amount_cents, transform: cents_to_units}
""").for_type("cost")
        assert str(line.inbound({"amount_cents": 123450}).values["planned"]) == "1234.5"
        assert line.outbound({"planned": "99.95"}) == {"amount_cents": 9995}
    finally:
        TRANSFORMS.pop("cents_to_units")


def test_a_transform_name_cannot_be_taken_twice_by_accident() -> None:
    with pytest.raises(ValueError, match="'casefold' is already registered"):
        register_transform("casefold", str.lower)
