"""PATCH through the API: the hub acts as one more source. Stale or missing If-Match is
refused, bad values are named, and an accepted change reaches every linked tool."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.auth.tokens import create_token
from hub.store.auth import Role
from hub.store.sync import AuditEntry, ConflictState
from tests.api.world import NOW, World
from tests.sync.harness import Hub, fake_config, fake_registry

# Titles are decided by a person when two tools change them at once.
MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}],
                                "fields": {"title": "manual"}}}}


def _patch(client: TestClient, world: World, path: str, body: object,
           if_match: str | None, role: str = "manager") -> object:
    headers = world.auth(role)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(path, json=body, headers=headers)


def test_a_patch_needs_the_current_version(client: TestClient, world: World) -> None:
    path = f"/api/v1/tasks/{world.ids['rd_task']}"
    read = client.get(path, headers=world.auth("manager"))
    assert read.headers["etag"] == '"1"'

    missing = client.patch(path, json={"title": "A"}, headers=world.auth("manager"))
    first = client.patch(path, json={"title": "A"},
                         headers={**world.auth("manager"), "If-Match": read.headers["etag"]})
    second = client.patch(path, json={"title": "B"},  # the other manager's stale read
                          headers={**world.auth("admin"), "If-Match": read.headers["etag"]})

    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    assert first.json()["title"] == "A"
    assert second.status_code == 412
    assert second.headers["etag"] == '"2"'
    assert second.json()["current_version"] == 2
    assert client.get(path, headers=world.auth("viewer")).json()["title"] == "A"


def test_an_accepted_patch_is_audited_with_provenance_under_the_token_name(
        client: TestClient, world: World, engine: Engine) -> None:
    path = f"/api/v1/projects/{world.ids['rd_project']}"

    answer = client.patch(path, json={"status": "on_hold", "due_date": "2027-01-31"},
                          headers={**world.auth("department"), "If-Match": '"1"'})
    shown = client.get(path, params={"include": "provenance"}, headers=world.auth("viewer"))

    assert answer.status_code == 200
    assert shown.json()["provenance"]["status"] == {
        "source": "api:department-token", "at": NOW.isoformat(), "version": 2}
    assert shown.json()["provenance"]["name"]["source"] == "a"  # untouched: the shared entry
    with Session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.record_id == world.ids["rd_project"])).one()
    assert entry.source == "api:department-token"
    assert entry.changes == {"status": {"old": "active", "new": "on_hold"},
                             "due_date": {"old": "2026-12-01", "new": "2027-01-31"}}


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"due_date": "next week"}, "due_date", "is not a date"),
    ({"status": "finished"}, "status", "in_progress"),
    ({"raw_status": "Done"}, "raw_status", "not a field you can change"),
    ({"title": ""}, "title", "can't be empty"),
    ({"assignees": ["nobody@example.com"]}, "assignees", "knows no such person"),
    ({"project": "NOPE"}, "project", "no project"),
    ({"custom": {"bad name": 1}}, "custom.bad name", "not a valid custom field name"),
])
def test_a_bad_value_is_422_naming_the_field(client: TestClient, world: World,
                                             body: dict[str, object], field: str,
                                             words: str) -> None:
    answer = client.patch(f"/api/v1/tasks/{world.ids['rd_task']}", json=body,
                          headers={**world.auth("manager"), "If-Match": '"1"'})

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == f"body.{field}"
    assert words in answer.json()["detail"]


def test_people_and_projects_are_given_by_email_key_or_id(client: TestClient,
                                                          world: World) -> None:
    answer = client.patch(f"/api/v1/tasks/{world.ids['rd_task']}",
                          json={"assignees": [world.ids["rd_person"], "BOB@example.com"],
                                "project_id": "RD", "custom": {"risk": "high"}},
                          headers={**world.auth("manager"), "If-Match": '"1"'})

    assert answer.status_code == 200
    assert sorted(a["display_name"] for a in answer.json()["assignees"]) == [
        "Alice Rivera", "Bob Marsh"]
    assert answer.json()["custom"] == {"risk": "high"}


def test_a_department_cant_move_a_project_out_of_its_department(
        client: TestClient, world: World) -> None:
    path = f"/api/v1/projects/{world.ids['rd_project']}"
    answer = client.patch(path, json={"department": "Marketing"},
                          headers={**world.auth("department"), "If-Match": '"1"'})

    assert answer.status_code == 403
    assert client.get(path, headers=world.auth("admin")).json()["department"] == "R&D"


def test_a_patch_that_changes_nothing_keeps_the_version(client: TestClient,
                                                       world: World) -> None:
    path = f"/api/v1/tasks/{world.ids['rd_task']}"
    answer = client.patch(path, json={"title": "Design gearbox"},
                          headers={**world.auth("manager"), "If-Match": '"1"'})

    assert answer.status_code == 200
    assert answer.headers["etag"] == '"1"'


@pytest.fixture
def linked(engine: Engine) -> Iterator[tuple[Hub, TestClient, str, str]]:
    """A task made in tool a and mirrored to b, and an API client with a manager token."""
    hub = Hub(engine, ["a", "b"], MIRROR)
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    asyncio.run(hub.poll("a"))
    asyncio.run(hub.settle())
    with Session(engine) as session:
        secret = create_token(session, Role.manager, NOW, name="ops-lead").secret
        session.commit()
    app = create_app(fake_config(hub.tools, MIRROR), engine, fake_registry())
    app.state.clock = hub.clock  # the API's writes are due when the harness pushes
    with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as client:
        yield hub, client, hub.record_id("a", obj.remote_id), obj.remote_id


def test_a_patch_reaches_every_linked_tool(linked: tuple[Hub, TestClient, str, str]) -> None:
    hub, client, record_id, a_id = linked
    b_id = hub.remote_id("b", record_id)
    assert b_id is not None

    answer = client.patch(f"/api/v1/tasks/{record_id}",
                          json={"status": "in_review", "title": "Spec v2"},
                          headers={"If-Match": client.get(f"/api/v1/tasks/{record_id}")
                                   .headers["etag"]})
    asyncio.run(hub.settle())

    assert answer.status_code == 200
    for tool, remote_id in (("a", a_id), ("b", b_id)):
        fields = hub.tools[tool].objects[remote_id].fields
        assert (fields["title"], fields["status"]) == ("Spec v2", "Review"), tool
    assert hub.values(record_id)["title"] == "Spec v2"  # the echoes changed nothing back


def test_a_resolved_conflict_is_pushed_out(linked: tuple[Hub, TestClient, str, str]) -> None:
    hub, client, record_id, a_id = linked
    b_id = hub.remote_id("b", record_id) or ""
    # Both tools change the title before either hears of the other: a manual field conflicts.
    hub.tools["a"].user_edit(a_id, title="From A")
    hub.tools["b"].user_edit(b_id, title="From B")
    asyncio.run(hub.deliver_all("a"))
    asyncio.run(hub.deliver_all("b"))
    [conflict] = client.get("/api/v1/conflicts",
                            params={"record": record_id, "state": "open"}).json()["items"]
    assert {c["value"] for c in conflict["candidates"]} == {"From A", "From B"}

    answer = client.post(f"/api/v1/conflicts/{conflict['id']}/resolve",
                         json={"value": "Agreed title"})
    asyncio.run(hub.settle())

    assert answer.status_code == 200
    assert answer.json()["state"] == ConflictState.resolved.value
    assert answer.json()["resolved_by"] == "api:ops-lead"
    assert hub.tools["a"].objects[a_id].fields["title"] == "Agreed title"
    assert hub.tools["b"].objects[b_id].fields["title"] == "Agreed title"


def test_a_patch_of_a_conflicted_field_settles_the_conflict(
        linked: tuple[Hub, TestClient, str, str]) -> None:
    hub, client, record_id, a_id = linked
    b_id = hub.remote_id("b", record_id) or ""
    hub.tools["a"].user_edit(a_id, title="From A")
    hub.tools["b"].user_edit(b_id, title="From B")
    asyncio.run(hub.deliver_all("a"))
    asyncio.run(hub.deliver_all("b"))
    etag = client.get(f"/api/v1/tasks/{record_id}").headers["etag"]

    answer = client.patch(f"/api/v1/tasks/{record_id}", json={"title": "Decided here"},
                          headers={"If-Match": etag})
    asyncio.run(hub.settle())

    assert answer.status_code == 200
    assert client.get("/api/v1/conflicts", params={"record": record_id, "state": "open"}
                      ).json()["items"] == []
    # No longer held: the person's decision reaches both tools.
    assert hub.tools["a"].objects[a_id].fields["title"] == "Decided here"
    assert hub.tools["b"].objects[b_id].fields["title"] == "Decided here"
