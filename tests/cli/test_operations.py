"""`hub conflicts`, `hub quarantine` and `hub pushes`: what the API's connector health and
conflict routes give IT, from the console, with the same rules (in process, on the API
tests' seeded world)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from hub.cli.main import app
from hub.store import migrate
from hub.store.canonical import Task
from hub.store.db import make_engine
from hub.store.sync import Conflict, ConflictState, IntentState, PushIntent
from tests.api.world import World, seed
from tests.sync.harness import fake_tools

pytestmark = pytest.mark.usefixtures("fake_kind")


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> tuple[World, Path, str]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    world = seed(engine)
    engine.dispose()
    tools = fake_tools(["a", "b"])
    config = tmp_path / "config.yaml"
    config.write_text(f'database: "{database_url}"\nconnectors:\n'
                      + "".join(f"  {cid}:\n    kind: fake\n    tool: {tool.name}\n"
                                f"    token: fake-token\n" for cid, tool in tools.items()))
    return world, config, database_url


def hub(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--config", str(config)], env={"COLUMNS": "200"})


def test_conflicts_lists_the_open_ones_by_record(world: tuple[World, Path, str]) -> None:
    seeded, config, _ = world

    table = hub(config, "conflicts")
    listed = hub(config, "conflicts", "list", "--json")

    assert table.exit_code == 0, table.output
    assert "task Design gearbox" in table.stdout
    assert "task Draft campaign" in table.stdout
    assert 'a: "done"' in table.stdout
    assert 'b: "blocked"' in table.stdout
    items = json.loads(listed.stdout)["items"]
    assert {i["id"] for i in items} == {seeded.ids["rd_conflict"], seeded.ids["mk_conflict"]}
    assert {i["record"] for i in items} == {"Design gearbox", "Draft campaign"}


def test_resolve_by_side_follows_the_api_rules(world: tuple[World, Path, str]) -> None:
    seeded, config, url = world
    conflict_id = seeded.ids["rd_conflict"]

    wrong = hub(config, "conflicts", "resolve", conflict_id, "--side", "c")
    shown = hub(config, "conflicts", "show", conflict_id)
    resolved = hub(config, "conflicts", "resolve", conflict_id, "--side", "b")
    again = hub(config, "conflicts", "resolve", conflict_id, "--side", "a")
    missing = hub(config, "conflicts", "show", "NOPE")

    assert wrong.exit_code == 2
    assert wrong.stderr.strip() == "'c' is not a side of this conflict (sides: a, b)"
    assert shown.exit_code == 0
    assert 'a: "done"' in shown.stdout
    assert 'b: "blocked"' in shown.stdout
    assert resolved.exit_code == 0, resolved.output
    assert resolved.stdout.startswith(f'resolved: status = "blocked", by cli:{getpass.getuser()}')
    assert again.exit_code == 1
    assert "already resolved" in again.stderr
    assert missing.exit_code == 1
    engine = make_engine(url)
    with Session(engine) as session:
        conflict = session.get(Conflict, conflict_id)
        assert conflict is not None
        assert conflict.state is ConflictState.resolved
        task = session.get(Task, seeded.ids["rd_task"])
        assert task is not None
        assert task.status.value == "blocked"
    engine.dispose()


def test_quarantine_lists_and_shows_the_payload(world: tuple[World, Path, str]) -> None:
    _, config, _ = world

    listed = hub(config, "quarantine")
    as_json = json.loads(hub(config, "quarantine", "list", "a", "--json").stdout)
    item_id = as_json["items"][0]["id"]
    shown = hub(config, "quarantine", "show", item_id)
    unknown = hub(config, "quarantine", "list", "jira")

    assert listed.exit_code == 0, listed.output
    assert "item bad-1" in listed.stdout
    assert 'status: "Weird" is not in the value map' in listed.stdout
    assert shown.exit_code == 0
    assert '"id": "bad-1"' in shown.stdout
    assert unknown.exit_code == 2
    assert "no connector 'jira' in the config (configured: a, b)" in unknown.stderr


def test_failed_pushes_list_show_and_retry(world: tuple[World, Path, str]) -> None:
    _seeded, config, url = world

    listed = hub(config, "pushes", "failed")
    items = json.loads(hub(config, "pushes", "failed", "a", "--json").stdout)["items"]
    shown = hub(config, "pushes", "show", items[0]["id"])
    retried = hub(config, "pushes", "retry", "a")

    assert listed.exit_code == 0, listed.output
    assert "a: transition refused for rd" in listed.stdout
    assert "task Design gearbox (rd-remote)" in listed.stdout
    assert {i["record"] for i in items} == {"Design gearbox", "Draft campaign"}
    assert shown.exit_code == 0, shown.output
    assert "the tool said: a: transition refused for" in shown.stdout
    assert retried.exit_code == 0, retried.output
    assert retried.stdout.startswith("2 failed pushes to a queued again")
    engine = make_engine(url)
    with Session(engine) as session:
        states = {i.state for i in session.query(PushIntent)}
    engine.dispose()
    assert states == {IntentState.pending}
    assert hub(config, "pushes", "failed").stdout.startswith("no failed pushes")


def test_token_ids_are_whole_and_a_unique_start_revokes(world: tuple[World, Path, str]) -> None:
    _, config, _ = world
    narrow = CliRunner().invoke(app, ["token", "list", "--config", str(config)],
                                env={"COLUMNS": "80"})
    tokens = json.loads(hub(config, "token", "list", "--json").stdout)["items"]
    admin = next(t for t in tokens if t["name"] == "admin-token")
    shared = _common_start([t["id"] for t in tokens])

    ambiguous = hub(config, "token", "revoke", shared) if len(shared) >= 4 else None
    revoked = hub(config, "token", "revoke", admin["id"][:12].lower())

    assert narrow.exit_code == 0
    for token in tokens:
        assert token["id"] in narrow.stdout  # never cut, even at 80 columns
    assert all("secret" not in key or key == "starts_with" for key in admin)
    if ambiguous is not None:
        assert ambiguous.exit_code == 1
        assert "starts several token ids" in ambiguous.stderr
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout.startswith(f"token {admin['id']} (admin-token) revoked")
    after = json.loads(hub(config, "token", "list", "--json").stdout)["items"]
    assert next(t for t in after if t["id"] == admin["id"])["state"] == "revoked"


def _common_start(ids: list[str]) -> str:
    first, last = min(ids), max(ids)
    n = 0
    while n < len(first) and first[n] == last[n]:
        n += 1
    return first[:n]
