"""`hub sync CONNECTOR`: one poll now, in the foreground, with a summary of what changed.

The CLI runs in this process, so the fake tools the test makes are the ones its config names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from hub.cli import common
from hub.cli.main import app
from hub.store.db import make_engine
from hub.store.sync import Link, SyncCursor
from hub.testing.fake import FakeTool
from tests.sync.harness import fake_registry, fake_tools

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


@pytest.fixture(autouse=True)
def _fake_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "discover", fake_registry)  # kind `fake` is "installed"


pytestmark = pytest.mark.usefixtures("restore_logging")


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


def summary(result: Result) -> dict[str, int]:
    """The summary table's rows: name -> count."""
    rows = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if len(cells) == 2 and cells[1].isdigit():
            rows[cells[0]] = int(cells[1])
    return rows


def _titles(tool: FakeTool) -> set[str]:
    return {o.fields["title"] for o in tool.objects.values()}


def test_a_first_run_creates_the_records_and_reports_them(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)

    result = hub("sync", "a", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "a: synced" in result.stdout
    rows = summary(result)
    assert (rows["read"], rows["created"], rows["updated"]) == (2, 2, 0)
    assert _titles(tools["b"]) == {"Spec", "Launch plan"}  # pushed by the mirror rule


def test_a_dry_run_reports_the_creates_and_writes_nothing(
        tmp_path: Path, database_url: str, tools: dict[str, FakeTool]) -> None:
    config = _config(tmp_path, database_url, tools)

    result = hub("sync", "a", "--dry-run", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "would change (dry run, nothing written)" in result.stdout
    assert summary(result)["created"] == 2
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

    second = hub("sync", "a", "--config", str(config))

    assert second.exit_code == 0, second.output
    rows = summary(second)
    assert (rows["created"], rows["updated"], rows["pushed"]) == (0, 0, 0)
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
    assert summary(result)["push failed"] == 1
    assert "push failed: " in result.stderr
    assert "refused by the tool's rules" in result.stderr
    assert len(tools["b"].objects) == 1
