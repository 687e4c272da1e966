"""The Asana connector's own behaviour: incremental events, the 412 fallback when a sync token
expires, tombstones, pushes of status (custom field, section, completion), and 429/5xx."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from hub.errors import Retriable
from hub.sdk.connector import FieldsRefused, LinkRef
from hub.sdk.http import RateLimit
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer
from tests.connectors.asana.drivers import asana_config
from tests.connectors.conftest import FakeClock

pytestmark = pytest.mark.anyio


@pytest.fixture
async def asana(sandbox_server: RunningServer, project: dict[str, Any]):  # type: ignore[no-untyped-def]
    connector = AsanaConnector("mkt-asana", asana_config(sandbox_server.url,
                                                         [str(project["gid"])]))
    yield connector
    await connector.aclose()


async def test_changes_come_from_events_and_an_expired_token_falls_back(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any]) -> None:
    gid = str(project["gid"])
    old = sandbox.create_task(gid, "Old")
    _, cursor = await poll_all(asana, None)  # first run: full read, then a sync token
    calls_before = sum(sandbox.calls.values())
    changed = sandbox.create_task(gid, "New")

    found, cursor = await poll_all(asana, cursor)
    incremental_calls = sum(sandbox.calls.values()) - calls_before
    sandbox.expire_sync_tokens()
    sandbox.update_task(old["gid"], name="Old, renamed while the token expired")
    after_expiry, _ = await poll_all(asana, cursor)

    assert [r.remote_id for r in found] == [str(changed["gid"])]
    assert incremental_calls <= 3  # events, then one read of the changed task
    assert str(old["gid"]) in {r.remote_id for r in after_expiry}  # nothing was missed


async def test_after_a_token_expires_only_what_changed_is_read_again(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any],
        clock: FakeClock) -> None:
    gid = str(project["gid"])
    tasks = [sandbox.create_task(gid, f"Task {n}") for n in range(30)]
    _, cursor = await poll_all(asana, None)
    clock.now += 3600
    sandbox.update_task(tasks[0]["gid"], name="Seen through the events")
    _, cursor = await poll_all(asana, cursor)
    clock.now += 3600
    sandbox.expire_sync_tokens()
    sandbox.update_task(tasks[7]["gid"], name="Renamed while the token expired")

    after_expiry, _ = await poll_all(asana, cursor)

    # Asana filters by modified_since on GET /tasks only: the hub asks there, so it reads what
    # changed since the last change it saw (that one again, as overlap), not all thirty.
    read = {r.remote_id for r in after_expiry if r.remote_type == "task"}
    assert str(tasks[7]["gid"]) in read
    assert read <= {str(tasks[0]["gid"]), str(tasks[7]["gid"])}


async def test_a_cleared_description_is_sent_as_empty_notes_not_null(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Brief", notes="For the spring list")

    await asana.push(LinkRef("task", str(task["gid"]), {}), {"notes": None})

    assert sandbox.task(task["gid"])["notes"] == ""


async def test_deleted_tasks_become_tombstones(sandbox: AsanaSandbox, asana: AsanaConnector,
                                              project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Short-lived")
    _, cursor = await poll_all(asana, None)
    sandbox.delete_task(task["gid"])

    found, _ = await poll_all(asana, cursor)

    assert [(r.remote_id, r.deleted) for r in found] == [(str(task["gid"]), True)]


async def test_status_push_sets_the_field_the_section_and_completion(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Brief")

    await asana.push(LinkRef("task", str(task["gid"]), {}), {"status": "Done"})
    done = sandbox.task(task["gid"])
    await asana.push(LinkRef("task", str(task["gid"]), {}), {"status": "Waiting"})
    waiting = sandbox.task(task["gid"])

    assert done["completed"] is True
    assert waiting["completed"] is False
    assert waiting["memberships"][0]["section"]["name"] == "Waiting"
    status = next(f for f in waiting["custom_fields"] if f["name"] == "Status")
    assert status["enum_value"]["name"] == "Waiting"


BASE = "https://asana.example.test"


@respx.mock
async def test_429_then_success_and_a_5xx_storm() -> None:
    me = respx.get(f"{BASE}/api/1.0/users/me").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(200, json={"data": {"name": "Hub", "email": "hub@example.com"}})])
    respx.get(f"{BASE}/api/1.0/projects/1").respond(json={"data": {"name": "Launch"}})
    storm = respx.get(f"{BASE}/api/1.0/tasks/7").respond(
        503, json={"errors": [{"message": "Server Error"}]})
    asana = AsanaConnector("mkt-asana", asana_config(BASE, ["1"]))

    result = await asana.check()
    with pytest.raises(Retriable, match="503 Server Error"):
        await asana.push(LinkRef("task", "7", {}), {"name": "x"})

    assert result.ok
    assert me.call_count == 2
    assert storm.call_count == 3  # the first call and two retries
    await asana.aclose()


async def test_a_first_sync_reads_every_project_in_scope(
        sandbox: AsanaSandbox, sandbox_server: RunningServer, project: dict[str, Any],
        clock: Any) -> None:
    # Regression: one shared high-water mark made later projects skip their older tasks.
    second = sandbox.add_project("Summer campaign")
    first_tasks = [sandbox.create_task(str(project["gid"]), f"Spring {n}") for n in range(3)]
    second_tasks = [sandbox.create_task(str(second["gid"]), f"Summer {n}") for n in range(3)]
    clock.set(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    for task in first_tasks:  # the first project now holds the newest changes
        sandbox.update_task(task["gid"], name=task["name"] + " (edited)")
    connector = AsanaConnector("mkt-asana", asana_config(
        sandbox_server.url, [str(project["gid"]), str(second["gid"])]))

    found, _ = await poll_all(connector, None)
    progress = [page.progress async for page in connector.poll(None)]

    assert {r.remote_id for r in found} >= {str(t["gid"]) for t in first_tasks + second_tasks}
    # `hub sync` shows a bar over the projects in scope
    assert {(p.done, p.total, p.unit) for p in progress if p} == {
        (0, 2, "projects"), (1, 2, "projects"), (2, 2, "projects")}
    assert progress[-1] is not None
    assert (progress[-1].done, progress[-1].total) == (2, 2)
    await connector.aclose()


async def test_many_changes_are_read_with_one_listing_not_one_call_each(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any]) -> None:
    tasks = [sandbox.create_task(str(project["gid"]), f"Task {n}") for n in range(40)]
    _, cursor = await poll_all(asana, None)
    for task in tasks[:30]:
        sandbox.update_task(task["gid"], name=task["name"] + "!")
    sandbox.calls.clear()

    found, _ = await poll_all(asana, cursor)

    assert {r.remote_id for r in found} == {str(t["gid"]) for t in tasks[:30]}
    assert sum(sandbox.calls.values()) <= 4  # events, then one page of changed tasks


@respx.mock
async def test_a_412_reads_the_project_then_goes_on_with_the_fresh_token() -> None:
    events = respx.get(f"{BASE}/api/1.0/events").mock(side_effect=[
        httpx.Response(412, json={"sync": "fresh-token", "errors": [{"message": "Sync token "
                                                                      "invalid or too old."}]}),
        httpx.Response(200, json={"data": [], "sync": "next-token", "has_more": False})])
    listing = respx.get(f"{BASE}/api/1.0/tasks", params={"project": "1"}).respond(json={"data": [
        {"gid": "7", "name": "Brief", "modified_at": "2026-11-21T10:00:00.000Z",
         "memberships": []}]})
    asana = AsanaConnector("mkt-asana", asana_config(BASE, ["1"]))

    first, cursor = await poll_all(asana, json.dumps({"tokens": {"1": "expired"}}))
    second, _ = await poll_all(asana, cursor)

    assert [r.remote_id for r in first] == ["7"]
    assert json.loads(cursor or "{}")["tokens"]["1"] == "fresh-token"
    assert second == []
    assert events.calls[-1].request.url.params["sync"] == "fresh-token"
    assert listing.call_count == 1
    await asana.aclose()


async def test_the_rate_limit_spaces_calls_to_the_budget() -> None:
    limit = RateLimit(per_minute=600)  # ten a second
    limit.tokens = 0
    started = asyncio.get_running_loop().time()

    for _ in range(3):
        await limit.take()

    assert asyncio.get_running_loop().time() - started >= 0.25


async def test_an_assignee_without_an_asana_account_is_refused_alone(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Brief")

    with pytest.raises(FieldsRefused) as on_create:  # Asana refuses the whole POST
        await asana.create("task", "hub-1", {"name": "Mirrored", "assignee.email": ["x@y.z"]})
    with pytest.raises(FieldsRefused) as on_update:
        await asana.push(LinkRef("task", str(task["gid"]), {}),
                         {"name": "Brief v2", "assignee.email": ["x@y.z"]})

    for refused in (on_create.value, on_update.value):
        assert list(refused.fields) == ["assignee.email"]
        assert "assignee: Not a recognized ID: x@y.z" in refused.fields["assignee.email"]
        assert refused.record is None  # nothing written: the engine writes the rest alone
    assert sandbox.task(str(task["gid"]))["name"] == "Brief"


async def test_an_option_the_status_field_lacks_is_refused_alone(
        sandbox: AsanaSandbox, asana: AsanaConnector, project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Brief")

    with pytest.raises(FieldsRefused) as refused:
        await asana.push(LinkRef("task", str(task["gid"]), {}),
                         {"name": "Brief v2", "status": "Someday"})

    assert list(refused.value.fields) == ["status"]
    assert "Status has no option 'Someday'" in refused.value.fields["status"]
    assert refused.value.record is not None
    assert refused.value.record.payload["name"] == "Brief v2"
    assert sandbox.task(str(task["gid"]))["completed"] is False
