"""Stored deliveries are drained in batches; a delivery the pipeline can't store is quarantined
with a reason a person can read, and never holds back the deliveries behind it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from hub.sdk.config import PollConfig
from hub.sdk.connector import WebhookMalformed
from hub.store.canonical import Task
from hub.store.sync import AuditEntry, InboxItem, InboxState, QuarantineItem
from hub.sync.deliveries import drain_inbox
from hub.sync.inbox import receive
from hub.sync.runtime import Runtime
from hub.testing.fake import FakeTool
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.sync.test_runner import MIRROR, running, titles
from tests.wait import eventually

pytestmark = pytest.mark.anyio
NO_POLLS = PollConfig(enabled=False)


def _delivery(tool: FakeTool, remote_id: str, title: str) -> tuple[dict[str, str], bytes]:
    """A signed delivery of one object, as the tool would send it."""
    body = json.dumps({"action": "created", "id": remote_id, "version": 1,
                       "updated_at": "2026-11-02T09:00:00+00:00", "fields": {
                           "title": title, "status": "To do"}}).encode()
    return tool.sign(body, f"{remote_id[:40]}:1"), body


def _store(rt: Runtime, cid: str, delivery: tuple[dict[str, str], bytes]) -> str:
    received = receive(rt, cid, *delivery)
    assert received.item_id is not None
    return received.item_id


async def test_poison_deliveries_are_quarantined_and_the_others_go_through(
        engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = Runtime(fake_config(tools, MIRROR, NO_POLLS), fake_registry(), engine)
    tool = tools["a"]
    nul_escape = json.dumps({"action": "created", "id": "a-nul", "version": 1,
                             "updated_at": "2026-11-02T09:00:00+00:00",
                             "fields": {"title": "Spec\u0000", "status": "To do"}}).encode()
    assert b"\\u0000" in nul_escape
    raw_nul = b'{"action": "created", "id": "a-raw", "fields": {"title": "Sp\x00ec"}}'
    deliveries = [
        (tool.sign(nul_escape, "nul-escape"), nul_escape), _delivery(tool, "a-1", "Before"),
        _delivery(tool, "a-2", "Between"),
        _delivery(tool, "x" * 300, "Long id"), _delivery(tool, "a-3", "After"),
    ]
    for delivery in deliveries:
        _store(rt, "a", delivery)
    with pytest.raises(WebhookMalformed, match="not JSON"):  # refused at intake, not stored
        receive(rt, "a", tool.sign(raw_nul, "raw-nul"), raw_nul)

    async with running(rt) as runner:  # the runner as `hub serve` runs it, sweep and all
        await eventually(lambda: titles(tools["b"]) == {"Before", "Between", "After"},
                         "the three good deliveries reach b")
        await runner.wait_idle(10)

    with rt.sessions() as session:
        states = session.scalars(select(InboxItem.state)).all()
        assert InboxState.pending not in states  # none left to fail again at every sweep
        reasons = sorted(q.reason for q in session.scalars(select(QuarantineItem)))
    assert len(reasons) == 2
    assert any("`title` contains a NUL character" in r for r in reasons), reasons
    assert any("its id is 300 characters long; the hub keeps at most 255" in r
               for r in reasons), reasons
    assert list(runner.errors) == []


async def test_a_value_the_database_refuses_is_quarantined_with_its_words(
        engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = Runtime(fake_config(tools, MIRROR, NO_POLLS), fake_registry(), engine)
    tool = tools["a"]
    _store(rt, "a", _delivery(tool, "a-1", "First"))
    _store(rt, "a", _delivery(tool, "a-2", "T" * 1500))  # the title column holds 1,000
    _store(rt, "a", _delivery(tool, "a-3", "Third"))

    drained = await drain_inbox(rt, "a")

    with rt.sessions() as session:
        stored = set(session.scalars(select(Task.title)))
        quarantined = list(session.scalars(select(QuarantineItem)))
        assert session.scalars(select(InboxItem).where(
            InboxItem.state == InboxState.pending)).all() == []
    if engine.dialect.name == "postgresql":
        assert stored == {"First", "Third"}
        [item] = quarantined
        assert item.reason.startswith("the database refused a value: value too long")
        assert drained.tally.quarantined == 1
    else:  # SQLite keeps text of any length
        assert len(stored) == 3
        assert quarantined == []


async def test_a_batch_of_deliveries_is_one_transaction_with_each_delivery_audited(
        engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = Runtime(fake_config(tools, MIRROR, NO_POLLS), fake_registry(), engine)
    for n in range(1, 8):
        tools["a"].user_create({"title": f"Task {n}", "status": "To do"})
    for delivery in tools["a"].outbox:
        _store(rt, "a", delivery)

    drained = await drain_inbox(rt, "a", batch=3)

    assert drained.tally.created == 7
    assert not drained.more
    with rt.sessions() as session:
        audited = session.execute(select(AuditEntry.delivery, AuditEntry.changes)
                                  .where(AuditEntry.source == "a")
                                  .order_by(AuditEntry.id)).all()
    # Each record names the delivery it came in, in arrival order.
    assert [d for d, _ in audited] == [f"{tools['a'].name}-{n}:1" for n in range(1, 8)]
    assert [c["title"] for _, c in audited] == [f"Task {n}" for n in range(1, 8)]


async def test_a_drain_stops_after_its_rounds_and_asks_to_run_again(engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = Runtime(fake_config(tools, MIRROR, NO_POLLS), fake_registry(), engine)
    for n in range(5):
        tools["a"].user_create({"title": f"Task {n}", "status": "To do"})
    for delivery in tools["a"].outbox:
        _store(rt, "a", delivery)

    first = await drain_inbox(rt, "a", batch=2, rounds=1)
    rest = await drain_inbox(rt, "a", batch=2, rounds=10)

    assert (first.tally.created, first.more) == (2, True)
    assert (rest.tally.created, rest.more) == (3, False)
