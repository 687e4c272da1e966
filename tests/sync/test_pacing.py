"""A drain in the process that takes webhooks makes way while intake is busy, and only then:
deliveries that were answered (stored, duplicate or refused) no longer count as load."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack

import pytest
from sqlalchemy import Engine, func, select

from hub.sdk.config import PollConfig
from hub.sdk.connector import WebhookRejected
from hub.store.sync import InboxItem
from hub.sync.intake import InboxWriter
from hub.sync.pacing import BUSY, IntakeLoad
from hub.sync.runtime import Runtime
from hub.testing.fake import SIGNATURE_HEADER
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.sync.test_runner import MIRROR

pytestmark = pytest.mark.anyio


async def test_a_drain_waits_while_intake_is_busy_and_not_after() -> None:
    load = IntakeLoad()
    with ExitStack() as requests:
        for _ in range(BUSY):
            requests.enter_context(load.receiving())
        waiting = asyncio.create_task(load.make_way())
        for _ in range(5):
            await asyncio.sleep(0)
        assert load.busy
        assert not waiting.done()
    assert not load.busy
    waiting.cancel()
    await asyncio.wait_for(load.make_way(), 5)  # returns without waiting out the pause


async def test_answered_deliveries_stop_counting_as_load(engine: Engine) -> None:
    tools = fake_tools(["a"])
    rt = Runtime(fake_config(tools, MIRROR, PollConfig(enabled=False)), fake_registry(), engine)
    writer = InboxWriter(rt)
    body = json.dumps({"action": "created", "id": "a-1", "version": 1,
                       "updated_at": "2026-11-02T09:00:00+00:00",
                       "fields": {"title": "Spec", "status": "To do"}}).encode()
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
