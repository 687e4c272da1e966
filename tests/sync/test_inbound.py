"""The inbound pipeline: create, echo guard, stale and duplicate deliveries, quarantine, match."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from hub.store.sync import AuditEntry
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio


async def test_a_task_created_in_one_tool_reaches_the_others(hub: Hub) -> None:
    obj = hub.tools["a"].user_create({"title": "Launch plan", "status": "To do",
                                      "assignees": ["Ada@Example.com"]})
    tally = await hub.poll("a")
    await hub.settle()

    assert tally.created == 1
    record_id = hub.record_id("a", obj.remote_id)
    assert hub.values(record_id)["assignees"] == ["ada@example.com"]
    for cid in ("b", "c"):
        remote = hub.remote_id(cid, record_id)
        assert remote is not None
        fields = hub.tools[cid].objects[remote].fields
        assert fields["title"] == "Launch plan"
        assert fields["status"] == "To do"
        assert hub.tools[cid].objects[remote].hub_id == record_id


async def test_the_echo_of_a_push_changes_nothing(hub: Hub) -> None:
    obj = hub.tools["a"].user_create({"title": "Launch plan", "status": "To do"})
    await hub.poll("a")
    await hub.settle()
    record_id = hub.record_id("a", obj.remote_id)
    b_id = hub.remote_id("b", record_id)
    assert b_id is not None

    hub.tools["a"].user_edit(obj.remote_id, status="Done")
    await hub.deliver_all("a")
    await hub.push_once()  # writes "Done" to b and c; their webhooks echo it back
    pushes_before = hub.tools["b"].calls.get("push", 0)
    echo = await hub.deliver_all("b")

    assert hub.tools["b"].objects[b_id].fields["status"] == "Done"
    assert echo.updated == 0
    assert echo.pushes_queued == 0
    assert await hub.push_once() == []
    assert hub.tools["b"].calls.get("push", 0) == pushes_before


async def test_a_poll_of_unchanged_records_changes_nothing(hub: Hub) -> None:
    for n in range(120):  # more than a page
        hub.tools["a"].user_create({"title": f"Task {n}", "status": "Doing"})
    first = await hub.poll("a")
    again = await hub.poll("a", full=True)

    assert first.created == 120
    assert again.created == again.updated == 0
    assert again.stale == 120  # same remote version as stored: dropped before any work


async def test_an_older_delivery_after_a_newer_one_is_dropped(hub: Hub) -> None:
    tool = hub.tools["a"]
    obj = tool.user_create({"title": "Spec", "status": "To do"})
    await hub.deliver_all("a")
    tool.user_edit(obj.remote_id, status="Doing")
    tool.user_edit(obj.remote_id, status="Done")
    doing, done = tool.outbox[-2], tool.outbox[-1]
    tool.outbox.clear()

    await hub.deliver("a", done)
    late = await hub.deliver("a", doing)

    assert late.stale == 1
    assert hub.values(hub.record_id("a", obj.remote_id))["status"] == "done"


async def test_a_duplicate_delivery_is_stored_once(hub: Hub) -> None:
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    delivery = hub.tools["a"].outbox[-1]

    first = await hub.deliver("a", delivery)
    second = await hub.deliver("a", delivery)

    assert first.created == 1
    assert second.read == 0  # never processed: refused at the inbox
    assert hub.count_links() == 1
    assert hub.record_id("a", obj.remote_id)


async def test_a_record_that_cannot_be_mapped_is_quarantined_and_the_rest_imports(
        hub: Hub) -> None:
    tool = hub.tools["a"]
    good = tool.user_create({"title": "Good", "status": "Done"})
    bad = tool.user_create({"title": "Bad", "status": "Someday maybe", "due_date": "soon"})

    tally = await hub.poll("a")

    assert tally.created == 1
    assert tally.quarantined == 1
    [item] = hub.quarantined()
    assert item.remote_id == bad.remote_id
    assert "Someday maybe" in item.reason
    assert "due_date" in item.reason
    assert item.payload["fields"]["status"] == "Someday maybe"
    assert hub.record_id("a", good.remote_id)


async def test_a_deleted_remote_is_a_tombstone(engine: Engine) -> None:
    hub = Hub(engine, ["a"])
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    await hub.poll("a")
    record_id = hub.record_id("a", obj.remote_id)

    hub.tools["a"].user_delete(obj.remote_id)
    tally = await hub.deliver_all("a")

    assert tally.deleted == 1
    with hub.rt.sessions() as session:
        actions = [e.action for e in session.query(AuditEntry).filter_by(record_id=record_id)]
    assert actions[-1] == "delete"


async def test_match_rule_links_the_same_task_in_two_tools(engine: Engine) -> None:
    hub = Hub(engine, ["jira", "asana"],
              {"entities": {"task": {"match": ["custom.jira_key"]}}})
    hub.tools["jira"].user_create({"title": "Ship it", "status": "Doing", "jira_key": "RD-7"})
    hub.tools["asana"].user_create({"title": "Ship it (marketing)", "status": "Doing",
                                    "jira_key": "rd-7 "})
    await hub.poll("jira")
    await hub.poll("asana")

    jira_id = next(iter(hub.tools["jira"].objects))
    asana_id = next(iter(hub.tools["asana"].objects))
    assert hub.record_id("jira", jira_id) == hub.record_id("asana", asana_id)


async def test_hub_id_in_the_remote_links_it_back(engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"])
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    await hub.poll("a")
    record_id = hub.record_id("a", obj.remote_id)

    copy = hub.tools["b"].user_create({"title": "Spec", "status": "To do"}, hub_id=record_id)
    await hub.poll("b")

    assert hub.record_id("b", copy.remote_id) == record_id
