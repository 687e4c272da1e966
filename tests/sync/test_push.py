"""Pushes: coalesced, retried with backoff honouring Retry-After, failed with the tool's reason,
and creates that never duplicate, even after a crash between the remote create and our commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.sdk.connector import LinkRef, RemoteRecord
from hub.store.sync import IntentState
from hub.sync import push as push_module
from hub.sync.push import backoff
from hub.testing.fake import FakeConnector
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio
MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}


async def _linked(hub: Hub) -> tuple[str, str, str]:
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    await hub.poll("a")
    await hub.settle()
    record_id = hub.record_id("a", obj.remote_id)
    return record_id, obj.remote_id, hub.remote_id("b", record_id) or ""


async def test_changes_before_a_push_coalesce_into_one_write(engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    _, a_id, b_id = await _linked(hub)
    pushes = hub.tools["b"].calls.get("push", 0)

    for status in ("Doing", "Review", "Done"):
        hub.tools["a"].user_edit(a_id, status=status)
        await hub.deliver_all("a")
    assert len(hub.intents(IntentState.pending)) == 1
    await hub.settle()

    assert hub.tools["b"].calls.get("push", 0) == pushes + 1
    assert hub.tools["b"].objects[b_id].fields["status"] == "Done"


async def test_rate_limit_is_honoured_then_the_push_succeeds(engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    _, a_id, b_id = await _linked(hub)
    hub.tools["b"].inject("rate_limit")  # 429 with Retry-After: 2

    hub.tools["a"].user_edit(a_id, status="Done")
    await hub.deliver_all("a")
    [outcome] = await hub.push_once()
    [intent] = hub.intents(IntentState.pending)

    assert outcome.state == "retry"
    assert intent.next_attempt_at - hub.clock.now >= timedelta(seconds=1.99)
    assert await hub.push_once() == []  # not due yet
    hub.clock.advance(2)
    assert [o.state for o in await hub.push_once()] == ["done"]
    assert hub.tools["b"].objects[b_id].fields["status"] == "Done"


def test_backoff_grows_with_jitter_and_never_undercuts_retry_after() -> None:
    delays = [backoff(n, None) for n in range(1, 8)]
    assert all(1.0 <= d <= 2.0 for d in delays[:1])
    assert delays[-1] > delays[0]
    assert all(backoff(n, 30.0) >= 30.0 for n in range(1, 5))
    assert backoff(40, None) <= push_module.BACKOFF_CAP


async def test_a_timeout_after_the_tool_applied_the_write_converges(engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    record_id, a_id, b_id = await _linked(hub)
    hub.tools["b"].inject("timeout_after_apply")

    hub.tools["a"].user_edit(a_id, status="Done")
    await hub.deliver_all("a")
    [outcome] = await hub.push_once()
    assert outcome.state == "retry"
    hub.clock.advance(60)
    await hub.settle()

    assert hub.tools["b"].objects[b_id].fields["status"] == "Done"
    assert hub.values(record_id)["status"] == "done"
    assert hub.conflicts() == []


async def test_a_permanent_refusal_is_recorded_and_others_still_go_out(engine: Engine) -> None:
    sync = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}, {"from": "a", "to": "c"}]}}}
    hub = Hub(engine, ["a", "b", "c"], sync)
    _, a_id, _ = await _linked(hub)
    c_id = hub.remote_id("c", hub.record_id("a", a_id)) or ""
    hub.tools["b"].inject("permanent")

    hub.tools["a"].user_edit(a_id, status="Done")
    await hub.settle()

    [failed] = hub.intents(IntentState.failed)
    assert failed.connector_id == "b"
    assert "refused by the tool's rules" in (failed.last_error or "")
    assert hub.tools["c"].objects[c_id].fields["status"] == "Done"


async def test_create_after_a_crash_before_our_commit_does_not_duplicate(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    await hub.poll("a")
    real = push_module._record_success

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut after the remote create")

    monkeypatch.setattr(push_module, "_record_success", crash)
    with pytest.raises(RuntimeError):
        await hub.push_once()
    monkeypatch.setattr(push_module, "_record_success", real)
    hub.tools["b"].outbox.clear()  # the create's webhook was lost with the crash
    await hub.settle()

    assert len(hub.tools["b"].objects) == 1
    record_id = hub.record_id("a", obj.remote_id)
    assert hub.remote_id("b", record_id) == next(iter(hub.tools["b"].objects))


async def test_a_change_made_while_a_push_is_under_way_is_pushed_after_it(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = Hub(engine, ["a", "b"], MIRROR)
    _, a_id, b_id = await _linked(hub)
    connector = hub.rt.connectors["b"]
    real_push = type(connector).push
    edited: list[str] = []

    async def push_while_a_person_edits(self, link, patch):  # type: ignore[no-untyped-def]
        answer = await real_push(self, link, patch)
        if not edited:  # the tool has answered; a newer change lands before the hub records it
            edited.append("Done")
            hub.tools["a"].user_edit(a_id, status="Done")
            await hub.deliver_all("a")
        return answer

    monkeypatch.setattr(type(connector), "push", push_while_a_person_edits)
    hub.tools["a"].user_edit(a_id, status="Doing")
    await hub.deliver_all("a")
    await hub.push_once()

    assert edited
    assert hub.tools["b"].objects[b_id].fields["status"] == "Doing"
    assert len(hub.intents(IntentState.pending)) == 1  # not closed with b a change behind
    await hub.settle()
    assert hub.tools["b"].objects[b_id].fields["status"] == "Done"


async def test_a_push_tells_the_connector_the_hub_id(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # A tool that keeps the hub id inside the object needs no read before each write.
    hub = Hub(engine, ["a", "b"], MIRROR)
    record_id, a_id, _ = await _linked(hub)
    told: list[str | None] = []
    original = FakeConnector.push

    async def push(self: FakeConnector, link: LinkRef, patch: Any) -> RemoteRecord:
        told.append(link.hub_id)
        return await original(self, link, patch)

    monkeypatch.setattr(FakeConnector, "push", push)
    hub.tools["a"].user_edit(a_id, status="Done")
    await hub.deliver_all("a")
    await hub.settle()

    assert told == [record_id]
