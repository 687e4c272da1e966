"""A push in which the tool refuses one field still writes the others: the refusal is recorded
per field with the tool's reason (connector health shows it), the field is held back while
the record keeps that value, and it is written again when the value changes or, as the cause
may be data missing in the tool, after a long wait; never by someone calling retry-failed.
The same for creates: an object is created without the value the tool can't take."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from hub.query.health import connector_health
from hub.store.sync import IntentState, PushRefusal
from hub.sync import refusals
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio
MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}
NO_PATH = "jira: no workflow path from To do to 'Blocked' within 4 transitions"


def _refusals(hub: Hub) -> list[PushRefusal]:
    with hub.rt.sessions() as session:
        return list(session.scalars(select(PushRefusal)))


def _health(hub: Hub, connector_id: str) -> dict[str, object]:
    with hub.rt.sessions() as session:
        return next(h for h in connector_health(session, hub.rt.config, hub.clock.now)
                    if h["id"] == connector_id)


async def _mirrored(hub: Hub, **fields: object) -> tuple[str, str, str]:
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do", **fields})
    await hub.poll("a")
    await hub.settle()
    record_id = hub.record_id("a", obj.remote_id)
    return record_id, obj.remote_id, hub.remote_id("b", record_id) or ""


async def _blocked(engine: Engine) -> tuple[Hub, str, str]:
    """A task mirrored from a to b, set to Blocked in a, which b's workflow refuses:
    (hub, a's id, b's id), settled."""
    hub = Hub(engine, ["a", "b"], MIRROR)
    _, a_id, b_id = await _mirrored(hub)
    hub.tools["b"].refuse = {"status": {"Blocked": NO_PATH}}
    hub.tools["a"].user_edit(a_id, status="Blocked")
    await hub.settle()
    return hub, a_id, b_id


async def test_a_refused_status_does_not_cost_the_title_in_the_same_push(
        engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    record_id, a_id, b_id = await _mirrored(hub)
    hub.tools["b"].refuse = {"status": {"Blocked": NO_PATH}}

    hub.tools["a"].user_edit(a_id, title="Spec, final", status="Blocked")
    await hub.deliver_all("a")
    [outcome] = await hub.push_once()
    await hub.settle()  # and it does settle: the refused field is not pushed again and again

    b = hub.tools["b"].objects[b_id].fields
    assert (b["title"], b["status"]) == ("Spec, final", "To do")
    assert outcome.state == "partial"
    assert "status refused: " + NO_PATH in outcome.detail
    [refusal] = _refusals(hub)
    assert (refusal.connector_id, refusal.record_id, refusal.field) == ("b", record_id, "status")
    assert refusal.reason == NO_PATH
    assert refusal.value == "blocked"
    assert hub.intents(IntentState.failed) == []
    health = _health(hub, "b")
    assert (health["refused_fields"], health["state"]) == (1, "degraded")


async def test_a_refused_field_is_tried_again_after_a_long_wait(engine: Engine) -> None:
    hub, _, b_id = await _blocked(engine)
    hub.tools["b"].refuse = {}  # the workflow got its missing transition; nobody tells the hub

    hub.clock.advance(30 * 60)
    assert await hub.push_once() == []  # not yet: the tool is not asked again and again
    hub.clock.advance(refusals.FIRST_WAIT.total_seconds())
    await hub.settle()

    assert hub.tools["b"].objects[b_id].fields["status"] == "Blocked"
    assert _refusals(hub) == []
    assert _health(hub, "b")["refused_fields"] == 0
    assert hub.intents(IntentState.pending) == []


async def test_a_refusal_waits_longer_each_time_and_ends_when_the_value_changes(
        engine: Engine) -> None:
    hub, a_id, b_id = await _blocked(engine)
    hub.clock.advance(refusals.FIRST_WAIT.total_seconds() + 1)
    await hub.settle()  # refused again: the next wait is twice as long
    [refusal] = _refusals(hub)
    assert refusal.attempts == 2
    assert refusal.retry_at - refusal.last_refused_at == refusals.FIRST_WAIT * 2

    hub.tools["a"].user_edit(a_id, status="Doing", title="Spec v2")  # meanwhile, in a
    await hub.settle()

    b = hub.tools["b"].objects[b_id].fields
    assert (b["status"], b["title"]) == ("Doing", "Spec v2")
    assert _refusals(hub) == []


async def test_other_changes_go_out_at_once_while_a_refusal_waits(engine: Engine) -> None:
    hub, a_id, b_id = await _blocked(engine)

    hub.tools["a"].user_edit(a_id, title="Spec, renamed")
    await hub.settle()

    b = hub.tools["b"].objects[b_id].fields
    assert (b["title"], b["status"]) == ("Spec, renamed", "To do")
    assert len(_refusals(hub)) == 1


async def test_a_create_leaves_out_an_assignee_the_tool_does_not_know(engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    hub.tools["b"].people = {"ada@example.com"}

    record_id, _, b_id = await _mirrored(hub, assignees=["bob@example.com"])

    assert b_id, "the task was created in b all the same"
    b = hub.tools["b"].objects[b_id].fields
    assert b["title"] == "Spec"
    assert "assignees" not in b
    [refusal] = _refusals(hub)
    assert (refusal.field, refusal.waits_for) == ("assignees", "person:bob@example.com")
    assert "Not a recognized ID: bob@example.com" in refusal.reason
    assert hub.intents(IntentState.failed) == []

    hub.tools["b"].people.add("bob@example.com")  # Bob gets an account in b
    hub.clock.advance(refusals.FIRST_WAIT.total_seconds())
    await hub.settle()
    assert hub.tools["b"].objects[b_id].fields["assignees"] == ["bob@example.com"]
    assert _refusals(hub) == []
    assert hub.values(record_id)["assignees"] == ["bob@example.com"]


async def test_a_refused_assignee_is_filled_in_when_the_person_appears_there(
        engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    hub.tools["b"].people = set()
    _, _, b_id = await _mirrored(hub, assignees=["bob@example.com"])
    hub.tools["b"].people = {"bob@example.com"}

    with hub.rt.sessions.begin() as session:  # b's poll meets Bob as someone's assignee
        woken = refusals.wake(session, "b", {"person:bob@example.com"}, hub.clock())
    await hub.settle()

    assert woken == 1
    assert hub.tools["b"].objects[b_id].fields["assignees"] == ["bob@example.com"]


async def test_a_create_with_nothing_left_to_write_fails_with_the_reasons(
        engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    hub.tools["b"].refuse = {"title": {"Spec": "name: Too short"},
                             "status": {"To do": "status: No such option"}}

    record_id, _, b_id = await _mirrored(hub)

    assert b_id == ""
    [failed] = hub.intents(IntentState.failed)
    assert failed.record_id == record_id
    assert "name: Too short" in (failed.last_error or "")
