"""The embedded runner on the real clock: scheduled polls, one poll per connector at a time, a
connector's deliveries in order, the sweep after a crash, and workers that outlive a failing
job."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from hub.sdk.config import PollConfig
from hub.sdk.connector import PollPage
from hub.store.sync import InboxItem, InboxState, IntentState, PushIntent
from hub.sync.inbox import receive
from hub.sync.jobs import poll_connector
from hub.sync.runner import EmbeddedRunner, Job
from hub.sync.runtime import Runtime
from hub.testing.fake import FakeTool
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.wait import eventually

pytestmark = pytest.mark.anyio
MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}
EVERY_SECOND = PollConfig(every=timedelta(seconds=1), overlap=timedelta(0))


def _runtime(engine: Engine, tools: Mapping[str, FakeTool]) -> Runtime:
    return Runtime(fake_config(tools, MIRROR, EVERY_SECOND), fake_registry(), engine)


@asynccontextmanager
async def running(rt: Runtime, *, schedule: bool = True,
                  workers: int = 4) -> AsyncIterator[EmbeddedRunner]:
    runner = EmbeddedRunner(rt, workers=workers)
    await runner.start(schedule=schedule)
    try:
        yield runner
    finally:
        await runner.stop()
        await rt.aclose()


def titles(tool: FakeTool) -> set[str]:
    return {o.fields.get("title", "") for o in list(tool.objects.values()) if not o.deleted}


class GatedPolls:
    """Stands in for a connector's `poll`: holds every poll at a gate and counts how many run
    at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.started = 0
        self.running = 0
        self.most = 0

    async def __call__(self, cursor: str | None) -> AsyncIterator[PollPage]:
        self.started += 1
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.gate.wait()
            async for page in self.inner(cursor):
                yield page
        finally:
            self.running -= 1


async def test_a_task_created_after_start_reaches_the_other_tool_by_itself(
        engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    async with running(_runtime(engine, tools)) as runner:
        await runner.wait_idle(5)  # the first polls, made at start, found nothing
        tools["a"].user_create({"title": "Launch plan", "status": "Doing"})

        await eventually(lambda: titles(tools["b"]) == {"Launch plan"},
                         "a scheduled poll of a mirrors the task to b")

    [mirror] = tools["b"].objects.values()
    assert mirror.fields["status"] == "Doing"
    assert list(runner.errors) == []


async def test_one_poll_per_connector_at_a_time_and_requests_meanwhile_collapse(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(engine, tools)
    polls = GatedPolls(rt.connectors["a"].poll)
    monkeypatch.setattr(rt.connectors["a"], "poll", polls)
    async with running(rt, schedule=False) as runner:
        await runner.enqueue(Job.poll("a"))
        await eventually(lambda: polls.started == 1, "the first poll of a started")
        for _ in range(10):  # timer ticks and `hub sync` requests while that poll runs
            await runner.enqueue(Job.poll("a"))
            await asyncio.sleep(0)  # let an idle worker take it
        await runner.enqueue(Job.poll("b"))
        await eventually(lambda: tools["b"].calls.get("poll", 0) == 1,
                         "b is polled while a's poll is still running")

        polls.gate.set()
        await runner.wait_idle(5)

    assert polls.most == 1
    assert polls.started == 2  # the running poll, then one more for everything asked meanwhile
    assert list(runner.errors) == []


async def test_a_fresh_runner_finishes_what_a_crash_left_behind(engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    crashed = _runtime(engine, tools)
    tools["a"].user_create({"title": "Polled before the crash", "status": "To do"})
    await poll_connector(crashed, "a")  # the create in b is queued, never pushed
    tools["a"].outbox.clear()
    tools["a"].user_create({"title": "Delivered before the crash", "status": "Doing"})
    [delivery] = tools["a"].outbox
    item_id = receive(crashed, "a", *delivery).item_id  # stored, never processed
    await crashed.aclose()
    with crashed.sessions() as session:
        assert session.scalars(select(PushIntent.state).where(
            PushIntent.connector_id == "b")).all() == [IntentState.pending]
        assert session.get_one(InboxItem, item_id).state is InboxState.pending

    async with running(_runtime(engine, tools), schedule=False) as runner:
        await eventually(lambda: titles(tools["b"]) == {"Polled before the crash",
                                                        "Delivered before the crash"},
                         "both tasks reach b without a poll or a webhook")
        await runner.wait_idle(5)

    with crashed.sessions() as session:
        assert session.get_one(InboxItem, item_id).state is InboxState.processed
        assert set(session.scalars(select(PushIntent.state))) == {IntentState.done}
    assert len(tools["b"].objects) == 2
    assert list(runner.errors) == []


async def test_failing_jobs_are_reported_and_later_jobs_still_run(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(engine, tools)

    async def broken(cursor: str | None) -> AsyncIterator[PollPage]:
        raise RuntimeError("bug in the b connector")
        yield  # pragma: no cover - makes this an async generator, as `poll` is

    monkeypatch.setattr(rt.connectors["b"], "poll", broken)
    tools["a"].inject("permanent")
    # One worker: if a failure killed it, nothing after it would run.
    async with running(rt, schedule=False, workers=1) as runner:
        await runner.enqueue(Job.poll("a"))
        await runner.enqueue(Job.poll("b"))
        await runner.wait_idle(5)
        tools["a"].user_create({"title": "After the failures", "status": "To do"})
        await runner.enqueue(Job.poll("a"))

        await eventually(lambda: titles(tools["b"]) == {"After the failures"},
                         "a later poll of a mirrors its task to b")

    errors = list(runner.errors)
    assert len(errors) == 2
    assert errors[0].startswith("poll a:")
    assert "refused by the tool's rules" in errors[0]
    assert errors[1] == "poll b: bug in the b connector"


async def test_a_connectors_deliveries_are_processed_in_arrival_order_by_one_drain(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(engine, tools)
    connector = rt.connectors["a"]
    parsed: list[str] = []
    parse = connector.parse_webhook

    def recording(headers: Mapping[str, str], body: bytes) -> Any:
        parsed.append(json.loads(body)["fields"]["title"])
        return parse(headers, body)

    monkeypatch.setattr(connector, "parse_webhook", recording)
    polls = GatedPolls(connector.poll)
    monkeypatch.setattr(connector, "poll", polls)
    async with running(rt, schedule=False) as runner:
        await runner.enqueue(Job.poll("a"))  # holds a's lock while the deliveries arrive
        await eventually(lambda: polls.started == 1, "the poll of a started")
        for n in range(1, 6):
            tools["a"].user_create({"title": f"Delivery {n}", "status": "To do"})
            receive(rt, "a", *tools["a"].outbox.pop())
            await asyncio.sleep(0)
        assert parsed == [f"Delivery {n}" for n in range(1, 6)]  # read as they were stored
        parsed.clear()
        await asyncio.sleep(0.05)
        assert parsed == []  # none processed beside the poll

        polls.gate.set()
        await eventually(lambda: len(titles(tools["b"])) == 5, "the five tasks reach b")
        await runner.wait_idle(5)

    assert parsed == [f"Delivery {n}" for n in range(1, 6)]
    assert list(runner.errors) == []


async def test_an_edit_seen_while_pushing_reaches_the_other_tool_without_a_sweep(
        engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    async with running(_runtime(engine, tools), schedule=False) as runner:  # no sweep timer
        task = tools["a"].user_create({"title": "Spec", "status": "To do"})
        await runner.enqueue(Job.poll("a"))
        await eventually(lambda: titles(tools["b"]) == {"Spec"}, "the task mirrored to b")
        await runner.wait_idle(5)
        [mirror] = tools["b"].objects.values()
        tools["b"].user_edit(mirror.remote_id, title="Spec v2")
        tools["b"].outbox.clear()  # its webhook is lost: only the push's read-back sees it

        tools["a"].user_edit(task.remote_id, status="Done")
        await runner.enqueue(Job.poll("a"))

        await eventually(lambda: tools["a"].objects[task.remote_id].fields["title"] == "Spec v2",
                         "b's new title reaches a")
    assert mirror.fields["status"] == "Done"
    assert list(runner.errors) == []


async def test_work_for_a_disabled_connector_waits_without_errors(engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    before = _runtime(engine, tools)
    tools["a"].user_create({"title": "For b later", "status": "To do"})
    await poll_connector(before, "a")  # a create in b is due
    tools["b"].user_create({"title": "From b", "status": "To do"})
    item_id = receive(before, "b", *tools["b"].outbox[-1]).item_id
    await before.aclose()
    config = fake_config(tools, MIRROR, EVERY_SECOND)
    b_off = config.connectors["b"].model_copy(update={"enabled": False})
    rt = Runtime(config.model_copy(update={"connectors": {**config.connectors, "b": b_off}}),
                 fake_registry(), engine)

    async with running(rt) as runner:
        await runner.wait_idle(5)
        await runner.sweep()
        await runner.wait_idle(5)

    assert list(runner.errors) == []
    assert titles(tools["b"]) == {"From b"}
    with rt.sessions() as session:  # kept for when b is enabled again
        assert session.get_one(InboxItem, item_id).state is InboxState.pending
        assert session.scalars(select(PushIntent.state).where(
            PushIntent.connector_id == "b")).all() == [IntentState.pending]
