"""Deletes are confirmed and undone: a webhook's "deleted" is read back from the tool before a
record is tombstoned (an object still there is refreshed instead), and a tombstoned object the
tool shows again (a poll, a delivery, a full re-sync, a row back in an export) is restored
with its link, audited, and pushed where the policies say. A new remote id is a new object."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from hub.sdk.connector import RemoteRecord
from hub.store.canonical import Task
from hub.store.sync import AuditEntry, Link
from hub.sync.inbound import Ingest
from hub.testing.fake import FakeObject, FakeTool
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio
MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}


def _deleted_delivery(tool: FakeTool, obj: FakeObject) -> tuple[dict[str, str], bytes]:
    """A correctly signed "deleted" delivery for `obj`, whether or not the tool deleted it (a
    leaked secret, a misrouted webhook, a tool's bug)."""
    body = json.dumps({"action": "deleted", "id": obj.remote_id, "version": obj.version + 1,
                       "updated_at": obj.updated_at.isoformat(), "fields": obj.fields,
                       "deleted": True}).encode()
    return tool.sign(body, f"{obj.remote_id}:forged"), body


async def _polled(engine: Engine, mirrored: bool = False,
                  title: str = "Spec") -> tuple[Hub, FakeTool, FakeObject, str]:
    """A hub on tool `a` (mirrored to `b`) holding one task the hub has read (and mirrored):
    (hub, a, the task in a, its record id)."""
    hub = Hub(engine, ["a", "b"], MIRROR) if mirrored else Hub(engine, ["a"])
    tool = hub.tools["a"]
    obj = tool.user_create({"title": title, "status": "To do"})
    await hub.poll("a")
    await hub.settle()
    return hub, tool, obj, hub.record_id("a", obj.remote_id)


def _link(hub: Hub, connector_id: str, remote_id: str) -> Link:
    with hub.rt.sessions() as session:
        return session.scalars(select(Link).where(Link.connector_id == connector_id,
                                                  Link.remote_id == remote_id)).one()


def _deleted_at(hub: Hub, record_id: str) -> object:
    with hub.rt.sessions() as session:
        return session.get_one(Task, record_id).deleted_at


def _actions(hub: Hub, record_id: str) -> list[str]:
    with hub.rt.sessions() as session:
        return [e.action for e in session.scalars(select(AuditEntry).where(
            AuditEntry.record_id == record_id).order_by(AuditEntry.id))]


async def test_a_delete_the_tool_does_not_confirm_tombstones_nothing(engine: Engine) -> None:
    hub, _, obj, record_id = await _polled(engine, mirrored=True, title="Launch plan")

    tally = await hub.deliver("a", _deleted_delivery(hub.tools["a"], obj))
    await hub.settle()

    assert tally.deleted == 0
    assert _link(hub, "a", obj.remote_id).deleted_at is None
    assert _deleted_at(hub, record_id) is None
    assert "delete" not in _actions(hub, record_id)
    assert hub.values(record_id)["title"] == "Launch plan"
    b_obj = hub.tools["b"].objects[hub.remote_id("b", record_id) or ""]
    assert not b_obj.deleted


async def test_a_delete_the_tool_confirms_by_not_finding_it_is_a_tombstone(
        engine: Engine) -> None:
    hub, tool, obj, record_id = await _polled(engine)
    delivery = _deleted_delivery(tool, obj)
    del tool.objects[obj.remote_id]  # gone for good: the tool answers "not found"

    tally = await hub.deliver("a", delivery)

    assert tally.deleted == 1
    assert _deleted_at(hub, record_id) is not None
    assert _actions(hub, record_id)[-1] == "delete"


async def test_a_delete_that_cannot_be_read_back_waits_for_a_poll(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    hub, tool, obj, _ = await _polled(engine)

    async def cannot(*_: object) -> list[RemoteRecord]:
        raise NotImplementedError("this tool can't read single records")

    monkeypatch.setattr(hub.rt.connectors["a"], "fetch", cannot)
    tool.user_delete(obj.remote_id)
    tally = await hub.deliver_all("a")
    assert tally.deleted == 0
    assert _link(hub, "a", obj.remote_id).deleted_at is None

    polled = await hub.poll("a")  # the tool's own listing shows it deleted
    assert polled.deleted == 1


def _take_delete_on_its_word(hub: Hub, connector_id: str, remote_id: str) -> None:
    """What the hub did before deletes were confirmed: tombstone on the delivery's word."""
    with hub.rt.sessions.begin() as session:
        Ingest(hub.rt, session, connector_id, delivery="forged").run(
            [RemoteRecord(hub.tools[connector_id].remote_type, remote_id, {}, deleted=True)])


async def test_a_full_resync_restores_an_object_tombstoned_by_mistake(engine: Engine) -> None:
    hub, _, obj, record_id = await _polled(engine, mirrored=True, title="Launch plan")
    b_id = hub.remote_id("b", record_id) or ""
    _take_delete_on_its_word(hub, "a", obj.remote_id)
    hub.tools["b"].user_edit(b_id, title="Launch plan v2")  # meanwhile, someone in b
    await hub.settle()
    assert hub.tools["a"].objects[obj.remote_id].fields["title"] == "Launch plan"  # cut off

    tally = await hub.poll("a", full=True)
    await hub.settle()

    assert tally.restored == 1
    assert _link(hub, "a", obj.remote_id).deleted_at is None
    assert hub.values(record_id)["title"] == "Launch plan v2"
    assert hub.tools["a"].objects[obj.remote_id].fields["title"] == "Launch plan v2"
    again = await hub.poll("a", full=True)
    assert (again.restored, again.pushes_queued) == (0, 0)


async def test_a_deleted_record_comes_back_when_its_tool_shows_it_again(
        engine: Engine) -> None:
    hub, tool, obj, record_id = await _polled(engine)
    tool.user_delete(obj.remote_id)
    await hub.deliver_all("a")
    assert _deleted_at(hub, record_id) is not None

    obj.deleted = False  # undeleted in the tool (Asana's trash, a row back in an export)
    tool.user_edit(obj.remote_id, status="Doing")
    tally = await hub.deliver_all("a")

    assert tally.restored == 1
    assert _deleted_at(hub, record_id) is None
    assert _link(hub, "a", obj.remote_id).deleted_at is None
    assert hub.values(record_id)["status"] == "in_progress"
    assert _actions(hub, record_id)[-3:] == ["delete", "restore", "update"]


async def test_an_old_state_delivered_late_does_not_undo_a_delete(engine: Engine) -> None:
    hub = Hub(engine, ["a"])
    tool = hub.tools["a"]
    obj = tool.user_create({"title": "Spec", "status": "To do"})
    tool.user_edit(obj.remote_id, status="Doing")
    late = tool.outbox[-1]  # held up somewhere on its way
    await hub.poll("a")
    record_id = hub.record_id("a", obj.remote_id)
    tool.user_delete(obj.remote_id)
    tool.outbox = [tool.outbox[-1]]
    await hub.deliver_all("a")

    tally = await hub.deliver("a", late)

    assert tally.restored == 0
    assert _deleted_at(hub, record_id) is not None


async def test_an_object_deleted_and_made_again_is_a_new_record(engine: Engine) -> None:
    hub = Hub(engine, ["jira", "asana"], {"entities": {"task": {"match": ["custom.jira_key"]}}})
    first = hub.tools["jira"].user_create({"title": "Ship it", "status": "Doing",
                                           "jira_key": "RD-7"})
    await hub.poll("jira")
    old_id = hub.record_id("jira", first.remote_id)
    hub.tools["jira"].user_delete(first.remote_id)
    await hub.deliver_all("jira")

    again = hub.tools["jira"].user_create({"title": "Ship it", "status": "To do",
                                           "jira_key": "RD-7"})  # a new remote id
    await hub.deliver_all("jira")
    hub.tools["asana"].user_create({"title": "Ship it (marketing)", "status": "To do",
                                    "jira_key": "RD-7"})
    await hub.poll("asana")

    new_id = hub.record_id("jira", again.remote_id)
    assert new_id != old_id
    assert _deleted_at(hub, old_id) is not None
    asana_id = next(iter(hub.tools["asana"].objects))
    assert hub.record_id("asana", asana_id) == new_id  # the key now names the new one
