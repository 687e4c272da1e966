"""A drain asked for while this process's intake is busy starts a moment later, and nothing is
lost by it; deliveries that were answered (stored, duplicate or refused) no longer count as
load."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine, func, select

from hub.sdk.config import PollConfig
from hub.sdk.connector import WebhookRejected
from hub.store.canonical import Task
from hub.store.sync import InboxItem, InboxState
from hub.sync.inbox import receive
from hub.sync.intake import InboxWriter
from hub.sync.pacing import BUSY
from hub.sync.runtime import Runtime
from hub.testing.fake import SIGNATURE_HEADER
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.sync.test_runner import MIRROR, running

pytestmark = pytest.mark.anyio


async def test_a_drain_asked_for_while_intake_is_busy_starts_later_and_loses_nothing(
        engine: Engine) -> None:
    tools = fake_tools(["a"])
    rt = Runtime(fake_config(tools, MIRROR, PollConfig(enabled=False)), fake_registry(), engine)
    body = _body("a-1")
    async with running(rt, schedule=False) as runner:
        with ExitStack() as requests:
            for _ in range(BUSY):  # as many deliveries waiting for their commit
                requests.enter_context(rt.intake.receiving())
            stored = receive(rt, "a", tools["a"].sign(body, "a-1:1"), body)
            inbox = runner.stats().of("inbox")
            assert (inbox.queued, inbox.running) == (0, 0)  # asked for, to start a bit later
            assert _state(rt, stored.item_id) is InboxState.pending
        await runner.wait_idle(10)  # the deferred drain counts as work still to do

        assert _state(rt, stored.item_id) is InboxState.processed
        assert "Spec a-1" in _task_titles(rt)


def _body(remote_id: str) -> bytes:
    return json.dumps({"action": "created", "id": remote_id, "version": 1,
                       "updated_at": "2026-11-02T09:00:00+00:00",
                       "fields": {"title": f"Spec {remote_id}", "status": "To do"}}).encode()


def _state(rt: Runtime, item_id: str | None) -> InboxState:
    with rt.sessions() as session:
        return session.get_one(InboxItem, item_id).state


def _task_titles(rt: Runtime) -> set[str]:
    with rt.sessions() as session:
        return {str(t) for t in session.scalars(select(Task.title))}


async def test_answered_deliveries_stop_counting_as_load(engine: Engine) -> None:
    tools = fake_tools(["a"])
    rt = Runtime(fake_config(tools, MIRROR, PollConfig(enabled=False)), fake_registry(), engine)
    writer = InboxWriter(rt)
    body = _body("a-1")
    signed = tools["a"].sign(body, "a-1:1")

    first, again = await asyncio.gather(writer.receive("a", signed, body),
                                        writer.receive("a", signed, body))
    with pytest.raises(WebhookRejected):
        await writer.receive("a", {**signed, SIGNATURE_HEADER: "sha256=0"}, body)

    assert sorted([first.duplicate, again.duplicate]) == [False, True]
    assert rt.intake.in_flight == 0
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboxItem)) == 1
    await rt.aclose()
