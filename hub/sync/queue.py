"""Scaled out: the same kinds of job (`hub.sync.dispatch`) through procrastinate, the
PostgreSQL job queue, run by any number of `hub worker` processes.

How the guarantees of one process hold across many:

- *one at a time per lock, in order*: each job carries its `lock` as procrastinate's lock
  (one `doing` job per lock; the older `todo` one first);
- *the connector's gate*: PostgreSQL advisory locks, taken by a transaction on a connection of
  the gate's own (`AdvisoryGate`): a worker killed with `kill -9` loses its connection and the
  server ends its hold at once; transaction-scoped, they also work behind PgBouncer;
- *jobs enqueued with their rows*: the transaction that stores a delivery or makes a push due
  defers its job before it commits (`QueueDispatcher.defer_within`). At most one job per lock
  waits: a transaction that finds one waiting adds none. A job that has just started might
  miss such a row, so every job, as it starts, first waits for the transactions that saw it
  waiting (`barrier`: they hold a shared advisory lock until they commit);
- *no procrastinate retries*: a failed job's work stays in the hub's tables and the sweep asks
  again. (Retrying a job while another with its queueing lock waits raises a UniqueViolation,
  procrastinate issues #1446 and #1543; and `queueing_lock` alone would still let two run.)
  Jobs of a worker that stopped heartbeating are marked failed by the sweep, which frees their
  locks; the sweep then asks again for what the tables say is waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg_pool
from procrastinate import App, PsycopgConnector, SyncPsycopgConnector
from procrastinate import jobs as pjobs
from procrastinate.manager import JobManager
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hub.store.db import normalise_url
from hub.sync.dispatch import KINDS, Job, QueueStats
from hub.sync.runtime import Runtime
from hub.sync.wake import AGAIN_AFTER, Wakeups

QUEUE = "hub"


def conninfo(url: str) -> str:
    """The libpq URI of the hub's database URL (procrastinate's pools take one)."""
    parsed = normalise_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def task_name(kind: str) -> str:
    """procrastinate's name for the tasks of one kind of job."""
    return f"hub.{kind}"


def queue_job(job: Job, *, timestamp: int | None = None, queueing_lock: str | None = None,
              scheduled_at: datetime | None = None) -> pjobs.Job:
    """The procrastinate job of one of ours."""
    kwargs: dict[str, Any] = {"connector_id": job.connector_id, "lane": job.lane}
    if timestamp is not None:
        kwargs["timestamp"] = timestamp
    return pjobs.Job(queue=QUEUE, lock=job.lock, queueing_lock=queueing_lock,
                     task_name=task_name(job.kind), task_kwargs=kwargs,
                     scheduled_at=scheduled_at)


def build_app(url: str, pool_size: int = 4) -> App:
    """A procrastinate app on the hub's database; its tasks are registered by the worker."""
    return App(connector=PsycopgConnector(conninfo=conninfo(url), min_size=1,
                                          max_size=pool_size))


def job_of(task: str, kwargs: dict[str, Any]) -> Job:
    """Ours, back from a procrastinate job's task and arguments."""
    kind = task.removeprefix("hub.")
    if kind not in KINDS:
        raise LookupError(f"no job kind {kind!r}")
    return Job(kind, str(kwargs.get("connector_id") or ""), int(kwargs.get("lane") or 0))


class QueueDispatcher:
    """Asks for jobs in the transactions of the rows that need them (API processes and
    workers alike), and on request (`enqueue`: the API's "poll now")."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        # Only ever given the caller's connection: never opened, no pool of its own.
        self._manager = JobManager(SyncPsycopgConnector())
        self._wakeups = Wakeups(rt, within=self.defer_within)

    def install(self, *factories: sessionmaker[Session]) -> None:
        """Rows committed through the runtime's sessions, or these, ask for their jobs."""
        self._wakeups.install(self.rt.sessions, *factories)

    def uninstall(self) -> None:
        self._wakeups.uninstall()

    def defer_within(self, session: Session, wanted: set[Job],
                     later: set[Job] | None = None) -> None:
        """Defer the jobs in the session's transaction, unless one waits already (`later`:
        to start in a moment)."""
        later = (later or set()) - wanted
        conn = session.connection()
        locks = sorted({job.lock for job in wanted | later})
        # Held until this transaction ends: a job starting now waits for it (see `barrier`).
        conn.execute(text("SELECT pg_advisory_xact_lock_shared(hashtext(current_schema() || "
                          "':wake:' || lock)) FROM unnest(CAST(:locks AS text[])) AS lock"),
                     {"locks": locks})
        waiting = {(lock, name) for lock, name in conn.execute(text(
            "SELECT lock, task_name FROM procrastinate_jobs WHERE status = 'todo' "
            "AND lock = ANY(CAST(:locks AS text[]))"), {"locks": locks})}
        soon = datetime.now(UTC) + timedelta(seconds=AGAIN_AFTER)
        todo = [queue_job(job, scheduled_at=soon if job in later else None)
                for job in sorted(wanted | later, key=str)
                if (job.lock, task_name(job.kind)) not in waiting]
        if todo:
            raw = conn.connection.driver_connection
            self._manager.batch_defer_jobs(todo, connection=raw)

    def defer(self, wanted: set[Job]) -> None:
        """Defer jobs in a transaction of their own."""
        with self.rt.sessions.begin() as session:
            self.defer_within(session, wanted)

    async def enqueue(self, job: Job) -> None:
        """Ask for one job now (unless the same one waits already)."""
        await asyncio.to_thread(self.defer, {job})

    def stats(self) -> QueueStats:
        """The queue now, for /metrics."""
        with self.rt.sessions() as session:
            return queue_stats(session, self.rt.config.queue.stalled_after.total_seconds())


class AdvisoryGate:
    """The connectors' gates as PostgreSQL advisory locks (`hub.sync.gates.Gate`).

    Each hold is a transaction on a pooled connection of its own, taking
    `pg_advisory_xact_lock[_shared]`: it ends with the transaction, or with the connection of
    a process that died. The keys are qualified by the schema: hubs sharing a database don't
    hold each other's gates.
    """

    def __init__(self, url: str, size: int) -> None:
        self.pool = psycopg_pool.AsyncConnectionPool(
            conninfo(url), min_size=1, max_size=size, open=False,
            kwargs={"autocommit": True})

    async def open(self) -> None:
        await self.pool.open(wait=True)

    async def close(self) -> None:
        await self.pool.close()

    @contextlib.asynccontextmanager
    async def _hold(self, key: str, shared: bool) -> AsyncIterator[None]:
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(f"SELECT {function}(hashtext(current_schema() || %s))",
                               [key])
            yield

    def exclusive(self, connector_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self._hold(f":gate:{connector_id}", shared=False)

    def shared(self, connector_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self._hold(f":gate:{connector_id}", shared=True)

    @contextlib.asynccontextmanager
    async def pushing(self, connector_id: str, record_id: str) -> AsyncIterator[bool]:
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext(current_schema() "
                               "|| %s))", [f":gate:{connector_id}"])
            claimed = await (await conn.execute(
                "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || %s))",
                [f":push:{connector_id}:{record_id}"])).fetchone()
            yield bool(claimed and claimed[0])

    async def barrier(self, lock: str) -> None:
        """Wait for the transactions that found a job of `lock` waiting and so deferred none:
        their rows are committed by the time this returns, so the job now starting sees them."""
        async with self._hold(f":wake:{lock}", shared=False):
            pass


def queue_stats(session: Session, stalled_after: float, window: float = 300.0) -> QueueStats:
    """The queue as the database shows it (every API replica reports the same): jobs waiting
    and running per kind, the oldest waiting, stalled jobs, workers' heartbeats, and the wait
    and run times of the jobs of the last `window` seconds."""
    stats = QueueStats()
    for name, status, count, oldest in session.execute(text(
            "SELECT j.task_name, j.status::text, count(*), "
            "extract(epoch FROM now() - min(e.at)) FROM procrastinate_jobs j "
            "LEFT JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' "
            "WHERE j.queue_name = :queue AND j.status IN ('todo', 'doing') "
            "GROUP BY j.task_name, j.status"), {"queue": QUEUE}):
        kind = stats.of(str(name).removeprefix("hub."))
        if status == "todo":
            kind.queued = int(count)
            kind.oldest_queued_seconds = float(oldest) if oldest is not None else None
        else:
            kind.running = int(count)
    stats.stalled = int(session.execute(text(
        "SELECT count(*) FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w "
        "ON w.id = j.worker_id WHERE j.status = 'doing' AND (w.id IS NULL OR "
        "w.last_heartbeat < now() - make_interval(secs => :after))"),
        {"after": stalled_after}).scalar_one())
    for worker_id, age in session.execute(text(
            "SELECT id, extract(epoch FROM now() - last_heartbeat) FROM procrastinate_workers")):
        stats.heartbeats[str(worker_id)] = float(age)
    for kind_name, waited, ran in session.execute(text(
            "SELECT kind, extract(epoch FROM started_at - queued_at), "
            "extract(epoch FROM finished_at - started_at) FROM job_run "
            "WHERE finished_at > clock_timestamp() - make_interval(secs => :window)"),
            {"window": window}):
        kind = stats.of(str(kind_name))
        if waited is not None:
            kind.waits.append(max(0.0, float(waited)))
        kind.runs.append(float(ran))
    return stats
