"""Field policies: latest wins by source time, an owner's word stands, manual waits for a person."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from hub.store.sync import ConflictState
from hub.sync.conflicts import ConflictError, resolve_conflict
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio

MIRROR = [{"from": "a", "to": "b"}]


async def _linked(hub: Hub, **fields: object) -> tuple[str, str, str]:
    """A task created in `a`, mirrored to `b`; returns (record id, a's id, b's id)."""
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do", **fields})
    await hub.poll("a")
    await hub.settle()
    record_id = hub.record_id("a", obj.remote_id)
    b_id = hub.remote_id("b", record_id)
    assert b_id is not None
    return record_id, obj.remote_id, b_id


async def test_latest_concurrent_edits_the_newer_wins_everywhere(engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], {"entities": {"task": {"mirror": MIRROR}}})
    record_id, a_id, b_id = await _linked(hub)

    hub.tools["a"].user_edit(a_id, status="Doing")
    hub.clock.advance(5)
    hub.tools["b"].user_edit(b_id, status="Done")  # later, before the hub heard of a's edit
    await hub.deliver_all("b")
    await hub.deliver_all("a")  # a's older edit arrives last
    await hub.settle()

    assert hub.values(record_id)["status"] == "done"
    assert hub.tools["a"].objects[a_id].fields["status"] == "Done"
    assert hub.tools["b"].objects[b_id].fields["status"] == "Done"
    [conflict] = hub.conflicts()
    assert conflict.field == "status"
    assert conflict.state is ConflictState.resolved
    assert conflict.resolved_value == "done"
    assert {c["value"] for c in conflict.candidates} == {"in_progress", "done"}


async def test_owner_field_change_elsewhere_is_reverted(engine: Engine) -> None:
    sync = {"entities": {"task": {"mirror": MIRROR, "fields": {"due_date": {"owner": "a"}}}}}
    hub = Hub(engine, ["a", "b"], sync)
    record_id, a_id, b_id = await _linked(hub, due_date="2026-12-01")

    hub.tools["b"].user_edit(b_id, due_date="2027-01-15")
    await hub.settle()

    assert hub.values(record_id)["due_date"] == "2026-12-01"
    assert hub.tools["b"].objects[b_id].fields["due_date"] == "2026-12-01"

    hub.tools["a"].user_edit(a_id, due_date="2026-12-24")
    await hub.settle()
    assert hub.tools["b"].objects[b_id].fields["due_date"] == "2026-12-24"


async def test_manual_concurrent_edit_waits_for_a_person_then_goes_out(engine: Engine) -> None:
    sync = {"entities": {"task": {"mirror": MIRROR, "fields": {"title": "manual"}}}}
    hub = Hub(engine, ["a", "b"], sync)
    record_id, a_id, b_id = await _linked(hub)

    hub.tools["a"].user_edit(a_id, title="Spec v2")
    hub.tools["b"].user_edit(b_id, title="Spec (marketing)")
    await hub.deliver_all("a")
    await hub.deliver_all("b")
    await hub.settle()

    [conflict] = hub.conflicts()
    assert conflict.state is ConflictState.open
    assert hub.values(record_id)["title"] == "Spec v2"
    # Held: b keeps its own title until a person decides.
    assert hub.tools["b"].objects[b_id].fields["title"] == "Spec (marketing)"

    with hub.rt.sessions.begin() as session:
        resolve_conflict(hub.rt, session, conflict.id, by="api:ceo", side="b")
    await hub.settle()

    assert hub.values(record_id)["title"] == "Spec (marketing)"
    assert hub.tools["a"].objects[a_id].fields["title"] == "Spec (marketing)"
    with hub.rt.sessions.begin() as session, pytest.raises(ConflictError, match="already"):
        resolve_conflict(hub.rt, session, conflict.id, by="api:ceo", value="x")


async def test_non_concurrent_edits_never_conflict(hub: Hub) -> None:
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    await hub.poll("a")
    await hub.settle()
    record_id = hub.record_id("a", obj.remote_id)
    c_id = hub.remote_id("c", record_id)
    assert c_id is not None

    for status in ("Doing", "Review", "Done"):
        hub.tools["a"].user_edit(obj.remote_id, status=status)
        await hub.settle()
        hub.tools["c"].user_edit(c_id, title=f"Spec ({status})")
        await hub.settle()

    assert hub.conflicts() == []
    assert hub.tools["b"].objects[hub.remote_id("b", record_id) or ""].fields == \
        hub.tools["c"].objects[c_id].fields


async def test_a_tool_that_folds_two_statuses_into_one_does_not_flip_the_hub(
        engine: Engine) -> None:
    # Marketing's tool has no review state: in_review is written there as "Doing".
    hub = Hub(engine, ["a", "b"], {"entities": {"task": {"mirror": MIRROR}}},
              overrides={"b": {"types": {"item": {"fields": {"status": {
                  "reverse": {"in_review": "Doing"},
                  "map": {"Review": None}}}}}}})
    record_id, a_id, b_id = await _linked(hub)

    hub.tools["a"].user_edit(a_id, status="Review")
    await hub.settle()

    assert hub.tools["b"].objects[b_id].fields["status"] == "Doing"
    assert hub.values(record_id)["status"] == "in_review"  # not flipped by b's "Doing"
    assert hub.tools["a"].objects[a_id].fields["status"] == "Review"
    assert await hub.push_once() == []
