"""Inbound and outbound through a mapping: value maps, raw values, unmapped policies, reverse
maps, directions, defaults, and one error naming every bad field of a record."""

from __future__ import annotations

from datetime import date

import pytest

from hub.mapping import MappingError, default_mapping_path, load_mapping
from hub.mapping.values import FieldType
from hub.model.enums import Entity, Priority, TaskStatus
from tests.mapping.conftest import LoadText

JIRA = """\
kind: jira
types:
  issue:
    entity: task
    fields:
      title: {from: fields.summary}
      status:
        from: fields.status.name
        map: {"To do": todo, "Doing": in_progress, "Done": done, "Won't do": cancelled}
        reverse: {in_review: "Doing", blocked: "Doing"}
        raw: raw_status
        %s
      priority: {from: fields.priority.name, map: {P1: urgent, P2: high, P3: medium, P4: low},
                 default: medium}
      due_date: {from: fields.duedate}
      assignees: {from: "fields.assignees[*].emailAddress", transform: person_by_email}
      custom.jira_key: {from: key, dir: in}
      custom.team: {from: "fields.custom[name=Team].value"}
      labels: {from: fields.labels, dir: out}
      project: {from: fields.project.key, dir: create}
"""


def test_a_payload_becomes_canonical_values_with_their_sources(load_text: LoadText) -> None:
    issue = load_text(JIRA % "").for_type("issue")
    result = issue.inbound({"key": "RD-7", "fields": {
        "summary": "Login fails", "status": {"name": "Doing"}, "priority": {"name": "P1"},
        "duedate": "2024-06-30", "labels": ["ignored"],
        "assignees": [{"emailAddress": "Bo@X.com"}, {"emailAddress": "ana@x.com"}],
        "custom": [{"name": "Team", "value": "core"}]}})

    assert result.entity is Entity.task
    assert result.values == {
        "title": "Login fails", "raw_status": "Doing", "status": TaskStatus.in_progress,
        "priority": Priority.urgent, "due_date": date(2024, 6, 30),
        "assignees": ["ana@x.com", "bo@x.com"], "custom.jira_key": "RD-7",
        "custom.team": "core"}
    assert result.sources["status"] == "fields.status.name"
    assert result.sources["raw_status"] == "fields.status.name"
    assert result.sources["assignees"] == "fields.assignees[*].emailAddress"


def test_missing_fields_are_left_out_or_defaulted(load_text: LoadText) -> None:
    result = load_text(JIRA % "").for_type("issue").inbound({"fields": {"summary": "x"}})
    assert result.values == {"title": "x", "priority": Priority.medium}
    assert result.sources == {"title": "fields.summary", "priority": "default"}


def test_a_null_clears_the_field_and_a_null_with_a_default_takes_it(load_text: LoadText) -> None:
    result = load_text(JIRA % "").for_type("issue").inbound(
        {"fields": {"duedate": None, "priority": None, "assignees": None}})
    assert result.values == {"due_date": None, "priority": Priority.medium}


def test_an_unmapped_value_is_an_error_by_default(load_text: LoadText) -> None:
    with pytest.raises(MappingError) as info:
        load_text(JIRA % "").for_type("issue").inbound({"fields": {"status": {"name": "Blocked"}}})
    assert str(info.value) == ('status: "Blocked" at fields.status.name is not in the value map '
                               "(known: To do, Doing, Done, Won't do). To accept it, add "
                               '"Blocked": <status value> under '
                               "mapping_overrides.types.issue.fields.status.map "
                               "(then `hub sync --full` reads the record again)")
    assert (info.value.field, info.value.path, info.value.value) == (
        "status", "fields.status.name", "Blocked")


def test_unmapped_default_takes_the_default_and_keeps_the_raw_value(
        load_text: LoadText) -> None:
    issue = load_text(JIRA % "unmapped: default\n        default: todo").for_type("issue")
    result = issue.inbound({"fields": {"status": {"name": "Blocked"}}})
    assert result.values == {"status": TaskStatus.todo, "raw_status": "Blocked",
                             "priority": Priority.medium}
    assert result.sources["status"] == "default"


def test_unmapped_keep_raw_leaves_the_status_unset_but_keeps_the_raw_value(
        load_text: LoadText) -> None:
    issue = load_text(JIRA % "unmapped: keep_raw").for_type("issue")
    result = issue.inbound({"fields": {"status": {"name": "Blocked"}}})
    assert "status" not in result.values
    assert result.values["raw_status"] == "Blocked"


def test_every_bad_field_of_a_record_is_in_one_error(load_text: LoadText) -> None:
    with pytest.raises(MappingError) as info:
        load_text(JIRA % "").for_type("issue").inbound({"fields": {
            "status": {"name": "Blocked"}, "duedate": "next week",
            "assignees": [{"emailAddress": "ana"}]}})
    reasons = str(info.value).split("; ")
    assert reasons == [
        'status: "Blocked" at fields.status.name is not in the value map '
        "(known: To do, Doing, Done, Won't do). To accept it, add \"Blocked\": <status value> "
        "under mapping_overrides.types.issue.fields.status.map (then `hub sync --full` reads "
        "the record again)",
        'due_date: "next week" at fields.duedate is not a date '
        "(expected YYYY-MM-DD or an ISO 8601 date-time)",
        'assignees: ["ana"] at fields.assignees[*].emailAddress has an item "ana" that is '
        "not an e-mail address (expected exactly one @)"]
    assert [p.field for p in info.value.problems] == ["status", "due_date", "assignees"]


def test_outbound_goes_through_reverse_then_the_inverse_map(load_text: LoadText) -> None:
    issue = load_text(JIRA % "").for_type("issue")
    assert issue.outbound({"status": "in_review"}) == {"fields.status.name": "Doing"}
    assert issue.outbound({"status": TaskStatus.done}) == {"fields.status.name": "Done"}
    assert issue.outbound({"priority": "urgent", "due_date": date(2024, 7, 1)}) == {
        "fields.priority.name": "P1", "fields.duedate": "2024-07-01"}


def test_a_canonical_value_without_a_tool_value_says_how_to_fix_it(load_text: LoadText) -> None:
    issue = load_text(JIRA.replace("reverse: {in_review: \"Doing\", blocked: \"Doing\"}",
                                   "reverse: {blocked: \"Doing\"}") % "").for_type("issue")
    with pytest.raises(MappingError) as info:
        issue.outbound({"status": "in_review", "title": "ok"})
    assert str(info.value) == "status: no jira value for status=in_review; add it to reverse:"


def test_a_bad_canonical_value_is_refused_outbound(load_text: LoadText) -> None:
    with pytest.raises(MappingError, match=r'status: "started" for fields\.status\.name is '
                                           r"not a task status"):
        load_text(JIRA % "").for_type("issue").outbound({"status": "started"})


def test_directions_decide_what_is_read_and_what_is_written(load_text: LoadText) -> None:
    issue = load_text(JIRA % "").for_type("issue")
    assert "labels" not in issue.inbound_fields
    assert "labels" in issue.outbound_fields
    assert {"custom.jira_key", "custom.team", "raw_status"} <= issue.inbound_fields
    # dir: in, a selector (inbound-only by default) and the raw value are never written.
    assert issue.outbound({"custom.jira_key": "RD-9", "custom.team": "x", "raw_status": "Y",
                           "labels": ["a", "b"]}) == {"fields.labels": ["a", "b"]}


def test_a_create_field_is_read_and_written_only_into_new_records(load_text: LoadText) -> None:
    issue = load_text(JIRA % "").for_type("issue")
    assert "project" in issue.inbound_fields
    assert issue.inbound({"fields": {"project": {"key": "RD"}}}).values["project"] == "RD"
    assert "project" not in issue.outbound_fields  # moving an issue is Jira's, not the hub's
    assert issue.outbound({"project": "RD", "title": "t"}) == {"fields.summary": "t"}
    assert issue.outbound({"project": "RD", "title": "t", "labels": ["a"]}, creating=True) == {
        "fields.project.key": "RD", "fields.summary": "t", "fields.labels": ["a"]}
    assert "project" in issue.creation_fields
    assert "custom.jira_key" not in issue.creation_fields  # dir: in is never written


def test_a_wildcard_field_written_back_rebuilds_the_objects(load_text: LoadText) -> None:
    issue = load_text(JIRA.replace('transform: person_by_email}',
                                   "transform: person_by_email, dir: both}") % "").for_type(
        "issue")
    assert issue.outbound({"assignees": ["Bo@x.com", "ana@x.com"]}) == {
        "fields.assignees": [{"emailAddress": "ana@x.com"}, {"emailAddress": "bo@x.com"}]}


def test_field_types_are_exposed_for_the_sync_engine(load_text: LoadText) -> None:
    issue = load_text(JIRA % "").for_type("issue")
    assert issue.field_type("due_date") == FieldType("date")
    assert issue.field_type("assignees") == FieldType("person", many=True)
    assert issue.field_type("raw_status") == FieldType("string")
    assert issue.field_type("custom.jira_key").kind == "any"


def test_an_unknown_remote_type_names_the_known_ones(load_text: LoadText) -> None:
    with pytest.raises(MappingError, match=r'no remote type "epic" \(known: issue\)'):
        load_text(JIRA % "").for_type("epic")


def test_the_shipped_fake_mapping_maps_the_test_kit_both_ways() -> None:
    item = load_mapping(default_mapping_path("fake")).for_type("item")
    payload = {"id": "jira-1", "fields": {
        "title": "Ship it", "description": "Two\nlines", "status": "Review",
        "due_date": "2024-09-01", "assignees": ["Ana@x.com"], "labels": ["rd"],
        "priority": "high", "jira_key": "RD-1"}}
    values = item.inbound(payload).values
    assert values["status"] is TaskStatus.in_review
    assert values["raw_status"] == "Review"
    assert values["custom.jira_key"] == "RD-1"
    assert item.outbound(values) == {f"fields.{k}": v for k, v in {
        "title": "Ship it", "description": "Two\nlines", "status": "Review",
        "due_date": "2024-09-01", "assignees": ["ana@x.com"], "labels": ["rd"],
        "priority": "high", "jira_key": "RD-1"}.items()}
    assert "raw_status" not in item.outbound_fields
