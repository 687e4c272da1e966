"""`hub mapping try`: what a mapping makes of a payload, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.mapping import load_mapping
from tests.plugins import fake_site, run_hub

PAYLOAD = {"id": "jira-1", "fields": {
    "title": "Login fails", "status": "Doing", "due_date": "2024-06-30T18:00:00+00:00",
    "assignees": ["Ana.Silva@Example.com"], "labels": ["rd", "[urgent]"], "jira_key": "RD-7"}}

CONFIG = """\
database:
  url: sqlite:///hub.db
connectors:
  rd-jira:
    kind: fake
    tool: jira
    token: t0k3n
    mapping: mappings/rd.yaml
    mapping_overrides:
      types:
        item:
          fields:
            status: {map: {"Stuck": blocked}}
"""

RD_MAPPING = """\
kind: fake
types:
  item:
    entity: task
    fields:
      title: {from: fields.name}
      status: {from: fields.state, map: {"Open": todo}, raw: raw_status}
"""


def _payload(tmp_path: Path, payload: object, name: str = "payload.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


def _rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows as field -> [value, from]."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 3:
            rows[cells[0]] = cells[1:]
    return rows


def test_the_shipped_mapping_of_a_kind_works_without_a_config(tmp_path: Path) -> None:
    _payload(tmp_path, PAYLOAD)

    result = run_hub("mapping", "try", "fake", "payload.json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert rows["status"] == ["in_progress", "fields.status"]
    assert rows["raw_status"] == ["Doing", "fields.status"]
    assert rows["due_date"] == ["2024-06-30", "fields.due_date"]
    assert rows["assignees"] == ["ana.silva@example.com", "fields.assignees"]
    assert rows["labels"] == ["rd, [urgent]", "fields.labels"]
    assert rows["custom.jira_key"] == ["RD-7", "fields.jira_key"]
    assert "not in the payload: description, priority" in result.stdout


def test_a_payload_that_cannot_be_mapped_exits_1_with_every_reason(tmp_path: Path) -> None:
    bad = {"fields": {"status": "Stuck", "due_date": "soon", "title": "x"}}
    _payload(tmp_path, bad)

    result = run_hub("mapping", "try", "fake", "payload.json", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'status: "Stuck" at fields.status is not in the value map '
        "(known: To do, Doing, Blocked, Review, Done, Won't do). To accept it, add "
        '"Stuck": <status value> under mapping_overrides.types.item.fields.status.map '
        "(then `hub sync --full` reads the record again)",
        'due_date: "soon" at fields.due_date is not a date '
        "(expected YYYY-MM-DD or an ISO 8601 date-time)"]
    assert result.stdout == ""


def test_a_configured_connector_uses_its_mapping_file_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG)
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "rd.yaml").write_text(RD_MAPPING)
    _payload(tmp_path, {"fields": {"name": "Fix it", "state": "Stuck"}})

    result = run_hub("mapping", "try", "rd-jira", "payload.json", "--config", "config.yaml",
                     cwd=tmp_path, site=fake_site(tmp_path / "site"))

    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert rows["title"] == ["Fix it", "fields.name"]
    assert rows["status"] == ["blocked", "fields.state"]


def test_a_broken_override_names_the_config(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG.replace("blocked", "blokked"))
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "rd.yaml").write_text(RD_MAPPING)
    _payload(tmp_path, {})

    result = run_hub("mapping", "try", "rd-jira", "payload.json", "-c", "config.yaml",
                     cwd=tmp_path, site=fake_site(tmp_path / "site"))

    assert result.returncode == 2
    assert result.stderr.startswith(
        "config.yaml:13 connectors.rd-jira.mapping_overrides.types.item.fields.status.map.Stuck: "
        '"blokked" is not a task status')


def test_an_unknown_connector_says_what_there_is(tmp_path: Path) -> None:
    _payload(tmp_path, PAYLOAD)

    result = run_hub("mapping", "try", "rd-jira", "payload.json", cwd=tmp_path)

    assert result.returncode == 2
    assert '"rd-jira" is not a connector (no config file) (connectors: none) nor a connector ' \
           "kind with a shipped mapping (kinds: " in result.stderr
    shipped = result.stderr.split("(kinds: ")[1].split(")")[0].split(", ")
    assert {"fake", "jira"} <= set(shipped)


def test_several_remote_types_need_type(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG)
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "rd.yaml").write_text(
        RD_MAPPING + "  epic:\n    entity: project\n    fields:\n      name: fields.name\n")
    _payload(tmp_path, {"fields": {"name": "Q3 launch"}})
    site = fake_site(tmp_path / "site")

    ambiguous = run_hub("mapping", "try", "rd-jira", "payload.json", cwd=tmp_path, site=site)
    chosen = run_hub("mapping", "try", "rd-jira", "payload.json", "--type", "epic",
                     cwd=tmp_path, site=site)

    assert ambiguous.returncode == 2
    assert "the fake mapping has several remote types (item, epic); choose one with --type" \
           in ambiguous.stderr
    assert chosen.returncode == 0, chosen.stderr
    assert "fake epic -> project" in chosen.stdout
    assert _rows(chosen.stdout)["name"] == ["Q3 launch", "fields.name"]


def test_a_payload_that_is_not_json_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "payload.json").write_text("{not json")

    result = run_hub("mapping", "try", "fake", "payload.json", cwd=tmp_path)

    assert result.returncode == 2
    assert "payload.json: is not valid JSON" in result.stderr


JIRA_WEBHOOK = {
    "timestamp": 1767225600000, "webhookEvent": "jira:issue_updated",
    "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Mei Chen"},
    "issue": {"id": "10042", "key": "RD-7", "fields": {
        "summary": "Fix login", "status": {"name": "In Progress"}, "duedate": "2026-12-01",
        "project": {"key": "RD"}}},
}


def test_a_captured_jira_webhook_body_is_unwrapped(tmp_path: Path) -> None:
    _payload(tmp_path, JIRA_WEBHOOK)

    result = run_hub("mapping", "try", "jira", "payload.json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ("payload.json: a jira webhook or API body (webhookEvent); "
                                     "the record is at issue")
    rows = _rows(result.stdout)
    assert rows["title"] == ["Fix login", "fields.summary"]
    assert rows["status"] == ["in_progress", "fields.status.name"]
    assert rows["custom.jira_key"] == ["RD-7", "key"]


def test_an_asana_webhook_body_says_where_the_task_is_and_exits_1(tmp_path: Path) -> None:
    _payload(tmp_path, {"events": [{"action": "changed", "resource": {
        "gid": "1208000000000042", "resource_type": "task"}}]})

    result = run_hub("mapping", "try", "asana", "payload.json", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "payload.json: this is an Asana webhook body: its events name the task "
        "(1208000000000042) but don't carry it (the hub reads each task back); try the answer "
        "of GET /api/1.0/tasks/1208000000000042")
    assert result.stdout == ""


def test_an_asana_api_answer_is_unwrapped(tmp_path: Path) -> None:
    _payload(tmp_path, {"data": {"gid": "1", "name": "Launch webinar", "due_on": "2026-12-01"}})

    result = run_hub("mapping", "try", "asana", "payload.json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout)["title"] == ["Launch webinar", "name"]


def test_nothing_mapped_exits_1_and_points_at_the_record(tmp_path: Path) -> None:
    _payload(tmp_path, {"delivery": {"record": JIRA_WEBHOOK["issue"]}})
    _payload(tmp_path, {"hello": "world"}, name="other.json")

    nested = run_hub("mapping", "try", "jira", "payload.json", "--type", "issue", cwd=tmp_path)
    picked = run_hub("mapping", "try", "jira", "payload.json", "--type", "issue",
                     "--at", "delivery.record", cwd=tmp_path)
    other = run_hub("mapping", "try", "jira", "other.json", "--type", "issue", cwd=tmp_path)

    assert nested.returncode == 1
    assert nested.stderr.strip() == (
        "payload.json: nothing in it maps to a task (jira issue: the record looks to be under "
        "delivery.record (6 fields map there): try --at delivery.record)")
    assert nested.stdout == ""
    assert picked.returncode == 0, picked.stderr
    assert _rows(picked.stdout)["title"] == ["Fix login", "fields.summary"]
    assert other.returncode == 1
    assert other.stderr.startswith("other.json: nothing in it maps to a task (jira issue: none "
                                   "of the paths it reads is there (")


def test_a_webhook_envelope_must_name_a_type_the_mapping_has(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "kind: fake\nenvelopes:\n  - {when: hook, at: record, type: itme}\n"
        "types:\n  item:\n    entity: task\n    fields:\n      title: {from: name}\n")

    with pytest.raises(ConfigError) as info:
        load_mapping(tmp_path / "m.yaml")

    assert [str(p) for p in info.value.problems] == [
        f'{tmp_path}/m.yaml:3 envelopes[0].type: "itme" is not a remote type of this mapping '
        "(types: item)"]
