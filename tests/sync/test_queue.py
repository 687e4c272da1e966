"""The scaled-out mode on PostgreSQL: jobs through procrastinate, run by workers in this process
(the multi-process run with real processes is tests/sync/test_scale_out.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select, text

from hub.api.app import create_app
from hub.config.models import QueueConfig
from hub.sdk.config import PollConfig
from hub.store import migrate
from hub.store.queue import install_schema
from hub.store.sync import InboxItem, InboxState
from hub.sync.inbox import receive
from hub.sync.queue import QueueDispatcher
from hub.sync.runtime import Runtime
from hub.sync.worker import QueueWorker
from hub.testing.fake import FakeTool
from tests.api.test_job_metrics import admin
from tests.conftest import BACKEND
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.sync.test_runner import MIRROR, titles
from tests.wait import eventually

pytestmark = [pytest.mark.anyio,
              pytest.mark.skipif(BACKEND != "postgres", reason="the job queue is PostgreSQL's")]
FAST = QueueConfig(heartbeat=timedelta(seconds=1), stalled_after=timedelta(seconds=3),
                   sweep_every=timedelta(seconds=1), poll_interval=timedelta(seconds=0.2))


@pytest.fixture
def queue_engine(engine: Engine) -> Engine:
    """The test's database with the job queue's tables."""
    with engine.begin() as conn:
        install_schema(conn)
    return engine


def _runtime(engine: Engine, tools: dict[str, FakeTool], poll: bool = False) -> Runtime:
    config = fake_config(tools, MIRROR, PollConfig(every=timedelta(seconds=1),
                                                   overlap=timedelta(0), enabled=poll))
    url = SecretStr(engine.url.render_as_string(hide_password=False))
    config = config.model_copy(update={
        "database": config.database.model_copy(update={"url": url}),
        "runner": "queue", "queue": FAST})
    return Runtime(config, fake_registry(), engine)


@asynccontextmanager
async def working(rt: Runtime, concurrency: int = 4) -> AsyncIterator[QueueWorker]:
    worker = QueueWorker(rt, concurrency=concurrency, name="test-worker")
    task = asyncio.create_task(worker.run(signals=False))
    try:
        yield worker
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _jobs(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [(t, s, lock) for t, s, lock in conn.execute(text(
            "SELECT task_name, status::text, lock FROM procrastinate_jobs ORDER BY id"))]


async def test_a_stored_delivery_defers_its_drain_in_its_own_transaction(
        queue_engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(queue_engine, tools)
    dispatcher = QueueDispatcher(rt)
    dispatcher.install()
    try:
        for title in ("One", "Two", "Three"):
            tools["a"].user_create({"title": title, "status": "To do"})
        for delivery in tools["a"].outbox:
            receive(rt, "a", *delivery)
        with rt.sessions() as session:  # a transaction that fails after writing its row
            session.add(InboxItem(connector_id="a", delivery_id="rolled-back",
                                  body_sha256="0" * 64, body=b"{}", headers={}))
            session.flush()
            session.rollback()
    finally:
        dispatcher.uninstall()

    # Three deliveries, one drain waiting for them all; none for the rolled-back row.
    assert _jobs(queue_engine) == [("hub.inbox", "todo", "connector:a")]


async def test_workers_drain_deliveries_and_push_to_the_other_tool(
        queue_engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(queue_engine, tools)
    async with working(rt):
        for n in range(1, 6):
            tools["a"].user_create({"title": f"Task {n}", "status": "To do"})
            receive(rt, "a", *tools["a"].outbox.pop())
        await eventually(lambda: titles(tools["b"]) == {f"Task {n}" for n in range(1, 6)},
                         "the five tasks reach b through the queue", within=20)

    with rt.sessions() as session:
        assert set(session.scalars(select(InboxItem.state))) == {InboxState.processed}
    with queue_engine.connect() as conn:
        runs = conn.execute(text("SELECT kind, worker, outcome FROM job_run")).all()
    assert ("inbox", "test-worker", "succeeded") in runs
    assert {kind for kind, _, _ in runs} >= {"inbox", "push"}


async def test_periodic_polls_run_once_per_period_across_two_workers(
        queue_engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt_one, rt_two = _runtime(queue_engine, tools, poll=True), \
        _runtime(queue_engine, tools, poll=True)
    async with working(rt_one), working(rt_two):
        await eventually(lambda: tools["a"].calls.get("poll", 0) >= 3,
                         "a polled in three periods", within=20)
    with queue_engine.connect() as conn:
        periods = conn.execute(text(
            "SELECT args->>'timestamp', count(*) FROM procrastinate_jobs "
            "WHERE task_name = 'hub.poll' AND args->>'connector_id' = 'a' "
            "GROUP BY 1")).all()
    assert periods
    assert all(count == 1 for _, count in periods)  # two workers, one job per period


async def test_the_jobs_of_a_silent_worker_are_handed_back(queue_engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(queue_engine, tools)
    with queue_engine.begin() as conn:  # a worker that died holding a drain of a
        dead = conn.execute(text(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id")).scalar_one()
        conn.execute(text(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status, "
            "worker_id) VALUES ('hub', 'hub.inbox', 'connector:a', "
            "'{\"connector_id\": \"a\", \"lane\": 0}', 'doing', :worker)"), {"worker": dead})
    tools["a"].user_create({"title": "Held by the dead worker", "status": "To do"})
    with rt.sessions.begin() as session:  # stored without asking: as if its job had died
        session.add(InboxItem(connector_id="a", delivery_id="held", body_sha256="1" * 64,
                              body=tools["a"].outbox[-1][1],
                              headers=dict(tools["a"].outbox[-1][0])))

    async with working(rt):
        await eventually(lambda: titles(tools["b"]) == {"Held by the dead worker"},
                         "the delivery is processed once the dead worker's lock is freed",
                         within=20)
    statuses = [s for t, s, _ in _jobs(queue_engine) if t == "hub.inbox"]
    assert statuses[0] == "failed"  # handed back, not retried: the sweep asked again


async def test_a_connectors_pushes_run_side_by_side_in_lanes(queue_engine: Engine) -> None:
    tools = fake_tools(["a", "b"])
    rt = _runtime(queue_engine, tools)
    for n in range(12):
        tools["a"].user_create({"title": f"Task {n}", "status": "To do"})
    async with working(rt, concurrency=8):
        for delivery in list(tools["a"].outbox):
            receive(rt, "a", *delivery)
        await eventually(lambda: len(titles(tools["b"])) == 12, "twelve mirrors in b",
                         within=20)
    with queue_engine.connect() as conn:
        lanes = conn.execute(text(
            "SELECT DISTINCT lane FROM job_run WHERE kind = 'push' AND connector_id = 'b'"
        )).scalars().all()
    assert len(lanes) > 1  # b's concurrency is 4: its records fall in several lanes


async def test_an_api_process_shows_the_queue_in_metrics_and_readyz(
        empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)  # 0006 installs the queue's tables
    tools = fake_tools(["a", "b"])
    rt = _runtime(empty_engine, tools)
    app = create_app(rt.config, empty_engine, fake_registry(), queue=True)
    headers = admin(empty_engine)
    async with working(rt):
        with TestClient(app) as client:
            tools["a"].user_create({"title": "Through the API process", "status": "To do"})
            assert client.post("/webhooks/a", content=tools["a"].outbox[-1][1],
                               headers=tools["a"].outbox[-1][0]).status_code == 202
            await eventually(lambda: titles(tools["b"]) == {"Through the API process"},
                             "the delivery reaches b through a worker", within=20)
            await eventually(lambda: "1 worker alive" in client.get("/readyz").text,
                             "the worker's heartbeat is seen", within=10)
            text_ = client.get("/metrics", headers=headers).text

    assert 'hub_job_run_seconds{kind="inbox",quantile="0.5"}' in text_
    assert 'hub_jobs_queued{kind="sweep"}' in text_ or 'hub_jobs_running{kind="' in text_
    assert "hub_jobs_stalled 0.0" in text_
    assert 'hub_worker_heartbeat_age_seconds{worker="' in text_
