"""`hub sync CONNECTOR`: one poll now, in the foreground, with a summary of what changed.

The CLI runs in this process, so the fake tools the test makes are the ones its config names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from hub.cli.main import app
from hub.store.db import make_engine
from hub.store.sync import Link, SyncCursor
from hub.testing.fake import FakeTool
from tests.sync.harness import fake_tools

WRONG_TOKEN = "Wr0ng-T0ken-9c41"
CONFIG = """\
database:
  url: "{url}"
  auto_upgrade: true
connectors:
  a:
    kind: fake
    tool: {a}
    token: {a_token}
  b:
    kind: fake
    tool: {b}
    token: fake-token
sync:
  entities:
    task:
      mirror:
        - {{from: a, to: b}}
"""


pytestmark = pytest.mark.usefixtures("fake_kind")


@pytest.fixture
def tools() -> dict[str, FakeTool]:
    tools = fake_tools(["a", "b"])
    for title in ("Spec", "Launch plan"):
        tools["a"].user_create({"title": title, "status": "To do"})
    return tools


def _config(tmp_path: Path, database_url: str, tools: dict[str, FakeTool],
            a_token: str = "fake-token") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(url=database_url, a=tools["a"].name, b=tools["b"].name,
                                  a_token=a_token))
    return path


def hub(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def summary(result: Result) -> dict[str, Any]:
    """The JSON summary of `hub sync --json`."""
    return dict(json.loads(result.stdout))


def _titles(tool: FakeTool) -> set[str]:
    return {o.fields["title"] for o in tool.objects.values()}


def test_a_first_run_creates_the_records_and_reports_them(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)

    result = hub("sync", "a", "--config", str(config))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a: synced: 2 records read in ")
    row = next(line for line in lines if "tasks" in line)
    assert [c.strip() for c in re.split(r"[│┃|]", row) if c.strip()] == ["tasks", "2", "0", "0"]
    assert "  created: new records in the hub" in lines
    assert "pushed 2 changes to the tools" in lines
    assert _titles(tools["b"]) == {"Spec", "Launch plan"}  # pushed by the mirror rule


def test_a_dry_run_reports_the_creates_and_writes_nothing(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)

    result = hub("sync", "a", "--dry-run", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "would change (dry run, nothing written)" in result.stdout
    assert "create task Spec (from a item " in result.stdout
    assert '    title: - -> "Spec"' in result.stdout
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Link)) == 0
            assert conn.scalar(select(func.count()).select_from(SyncCursor)) == 0
    finally:
        engine.dispose()
    assert tools["b"].objects == {}
    assert tools["a"].calls.get("push", 0) == 0


def test_a_second_run_right_after_finds_nothing_new(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)
    first = hub("sync", "a", "--config", str(config))
    assert first.exit_code == 0, first.output
    writes = {name: dict(tool.calls) for name, tool in tools.items()}

    second = hub("sync", "a", "--json", "--config", str(config))

    assert second.exit_code == 0, second.output
    rows = summary(second)
    assert (rows["totals"]["created"], rows["totals"]["updated"]) == (0, 0)
    assert rows["pushes"]["done"] == 0
    for name, tool in tools.items():  # nothing was written to either tool
        assert tool.calls.get("push", 0) == writes[name].get("push", 0)
        assert tool.calls.get("create", 0) == writes[name].get("create", 0)


def test_an_unknown_connector_exits_2_and_names_the_configured_ones(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)

    result = hub("sync", "jira", "--config", str(config))

    assert result.exit_code == 2
    assert "no connector 'jira' in the config (configured: a, b)" in result.stderr


def test_a_rejected_token_exits_1_with_the_reason_and_never_shows_the_token(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools, a_token=WRONG_TOKEN)

    result = hub("sync", "a", "--config", str(config))

    assert result.exit_code == 1
    assert "a: " in result.stderr
    assert "invalid token" in result.stderr
    assert WRONG_TOKEN not in result.stdout + result.stderr
    assert tools["b"].objects == {}


def test_a_refused_push_is_reported_not_hidden(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)
    tools["b"].inject("permanent")  # b refuses the first of the two creates

    result = hub("sync", "a", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "push failed: 1" in result.stdout.splitlines()
    assert "see them: hub pushes failed" in result.stderr
    assert "push failed: " in result.stderr
    assert "refused by the tool's rules" in result.stderr
    assert len(tools["b"].objects) == 1


def test_a_dry_run_lists_each_change_field_by_field_as_json(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)
    assert hub("sync", "a", "--config", str(config)).exit_code == 0
    spec = next(o for o in tools["a"].objects.values() if o.fields["title"] == "Spec")
    tools["a"].user_edit(spec.remote_id, title="Spec v2", status="Doing")

    result = hub("sync", "a", "--dry-run", "--json", "--config", str(config))

    assert result.exit_code == 0, result.output
    preview = summary(result)
    assert preview["dry_run"] is True
    assert preview["entities"] == {"task": {"updated": 1, "stale": 1}}  # the poll's overlap
    assert preview["meaning"]["stale"].startswith("seen before: no newer than what the hub")
    [change] = preview["changes"]
    assert change["action"] == "update"
    assert change["entity"] == "task"
    assert change["record"] == "Spec"  # as the hub has it: nothing was written
    assert change["source"] == {"connector": "a", "remote_type": "item",
                                "remote_id": spec.remote_id,
                                "url": f"https://{tools['a'].name}.example/{spec.remote_id}"}
    assert {f["field"]: (f["old"], f["new"]) for f in change["fields"]} == {
        "title": ("Spec", "Spec v2"), "status": ("todo", "in_progress"),
        "raw_status": ("To do", "Doing")}
    after = hub("sync", "a", "--dry-run", "--json", "--config", str(config))
    assert len(summary(after)["changes"]) == 1  # the dry run wrote nothing


def test_stale_and_quarantined_are_explained(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)
    tools["a"].user_create({"title": "Odd", "status": "Sideways"})

    result = hub("sync", "a", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "  quarantined: could not be mapped: kept aside with the reason" in result.stdout
    assert "  -> see them: hub quarantine list a" in result.stdout
