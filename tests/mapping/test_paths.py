"""Remote paths: keys, list indexes, `[*]`, `[key=value]` selectors; missing means absent."""

from __future__ import annotations

import pytest

from hub.mapping.paths import ABSENT, PathSyntaxError, parse_path

ISSUE = {
    "key": "RD-7",
    "fields": {
        "summary": "Login fails",
        "status": {"name": "In Progress"},
        "assignees": [{"email": "ana@x.com"}, {"name": "no mail"}, {"email": "bo@x.com"}],
        "components": [{"name": "api", "tags": ["a", "b"]}, {"name": "ui", "tags": ["c"]}],
        "custom_fields": [{"name": "Team", "text_value": "core"},
                          {"name": "Jira key", "text_value": "RD-7"},
                          {"name": "Sprint", "number_value": 12}],
        "empty": [],
        "nothing": None,
    },
}


@pytest.mark.parametrize(("path", "expected"), [
    ("key", "RD-7"),
    ("fields.status.name", "In Progress"),
    ("fields.assignees[0].email", "ana@x.com"),
    ("fields.assignees[-1].email", "bo@x.com"),
    ("fields.custom_fields[name=Jira key].text_value", "RD-7"),
    ("fields.custom_fields[name=Sprint].number_value", 12),
    ("fields.assignees[*].email", ["ana@x.com", "bo@x.com"]),
    ("fields.components[*].tags[*]", ["a", "b", "c"]),
    ("fields.empty[*].name", []),
    ("fields.nothing", None),
])
def test_a_path_reads_what_is_there(path: str, expected: object) -> None:
    assert parse_path(path).read(ISSUE) == expected


@pytest.mark.parametrize("path", [
    "fields.priority",
    "fields.status.name.first",
    "fields.assignees[5].email",
    "fields.custom_fields[name=Epic].text_value",
    "fields.summary[*].x",
    "fields.nothing.name",
])
def test_a_missing_path_is_absent_not_an_error(path: str) -> None:
    assert parse_path(path).read(ISSUE) is ABSENT


def test_a_selector_compares_numbers_as_text() -> None:
    rows = {"rows": [{"id": 10041, "v": "a"}, {"id": 10042, "v": "b"}]}
    assert parse_path("rows[id=10042].v").read(rows) == "b"


@pytest.mark.parametrize(("path", "why"), [
    ("", "is empty"),
    ("fields..title", 'needs a key name after "fields."'),
    (".title", "needs a key name at the start"),
    ("fields.", 'ends with "."'),
    ("fields.tags[0", 'has an unclosed "[" after "fields.tags"'),
    ("fields.tags[first]", 'has "[first]" after "fields.tags" (expected [0], [*] or [key=value])'),
    ("fields.tags[0]x", 'has "x" after "fields.tags[0]" (expected "." or "[")'),
])
def test_bad_path_syntax_says_where(path: str, why: str) -> None:
    with pytest.raises(PathSyntaxError) as info:
        parse_path(path)
    assert str(info.value) == why


def test_writing_a_wildcard_path_rebuilds_the_list_before_it() -> None:
    assert parse_path("fields.title").write("Hi") == ("fields.title", "Hi")
    assert parse_path("fields.assignees[*].email").write(["a@x", "b@x"]) == (
        "fields.assignees", [{"email": "a@x"}, {"email": "b@x"}])
    assert parse_path("fields.tags[*]").write(["x"]) == ("fields.tags", ["x"])
    assert not parse_path("fields.custom_fields[name=Jira key].text_value").writable
    assert not parse_path("fields.tags[0]").writable
