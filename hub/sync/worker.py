"""`hub worker`: one process running the hub's jobs from the queue (see `hub.sync.queue`).

Each worker also keeps time: once a second it defers the periodic work whose period began
(procrastinate's periodic defers make that once per period whichever worker asks first), and
every few seconds it hands back the jobs of workers that stopped heartbeating. Every job it
runs is recorded in `job_run`: which process ran it, from when to when, and how it ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

from procrastinate import JobContext
from procrastinate import exceptions as pexceptions
from procrastinate import jobs as pjobs
from sqlalchemy import text

from hub.errors import HubError, NotYet, PartlyApplied
from hub.sync import kinds
from hub.sync.dispatch import KINDS, Job, periodic_jobs
from hub.sync.queue import (
    QUEUE,
    AdvisoryGate,
    QueueDispatcher,
    build_app,
    job_of,
    queue_job,
    task_name,
)
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)
TICK = 1.0  # seconds between looks at the periodic work
PRUNE_EVERY = 600.0  # seconds between clearing out finished jobs past `keep_finished`
RESUMED = ("poll", "delete_scan", "register")  # kinds asked for again when handed back


class QueueWorker:
    """Runs jobs from the queue in this process, `concurrency` at once."""

    def __init__(self, rt: Runtime, *, concurrency: int | None = None,
                 name: str | None = None, alive_file: Path | None = None) -> None:
        self.rt = rt
        self.alive_file = alive_file
        self.settings = rt.config.queue
        self.concurrency = concurrency or self.settings.concurrency
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        url = rt.config.database.url.get_secret_value()
        self.app = build_app(url, pool_size=self.concurrency + 4)
        self.gate = AdvisoryGate(url, size=self.concurrency + 2)
        self.dispatcher = QueueDispatcher(rt)
        for kind in KINDS:
            self.app.task(name=task_name(kind), queue=QUEUE, pass_context=True)(
                self._task(kind))

    async def run(self, *, signals: bool = True) -> None:
        """Run jobs until SIGINT or SIGTERM (with `signals`) or until cancelled; jobs under way
        are finished first."""
        self.rt.gate = self.gate
        self.dispatcher.install()
        await self.gate.open()
        try:
            async with self.app.open_async():
                clock = asyncio.create_task(self._keep_time(), name="hub-worker-clock")
                try:
                    await self.app.run_worker_async(
                        queues=[QUEUE], name=self.name, concurrency=self.concurrency,
                        listen_notify=self.settings.listen_notify,
                        fetch_job_polling_interval=self.settings.poll_interval.total_seconds(),
                        update_heartbeat_interval=self.settings.heartbeat.total_seconds(),
                        stalled_worker_timeout=self.settings.stalled_after.total_seconds(),
                        delete_jobs="never", install_signal_handlers=signals)
                finally:
                    clock.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await clock
        finally:
            self.dispatcher.uninstall()
            await self.gate.close()
            await self.rt.aclose()

    # -- jobs --------------------------------------------------------------------------------
    def _task(self, kind: str) -> Any:
        async def run(context: JobContext, connector_id: str = "", lane: int = 0,
                      timestamp: int | None = None) -> None:
            await self.run_one(Job(kind, connector_id, lane), context.job.id)
        run.__name__ = f"hub_{kind}"
        return run

    async def run_one(self, job: Job, queue_job_id: int | None) -> None:
        """Run one job under its connector's gate, recorded in `job_run`."""
        await self.gate.barrier(job.lock)
        kind = KINDS[job.kind]
        hold = self.gate.exclusive(job.connector_id) if kind.exclusive \
            else contextlib.nullcontext()
        run_id: int | None = None
        outcome, error = "succeeded", None
        try:
            async with hold:
                run_id = await asyncio.to_thread(self._started, job, queue_job_id)
                follow = await kind.run(self.rt, job)
            if follow:
                await asyncio.to_thread(self.dispatcher.defer, set(follow))
        except NotYet as exc:  # waiting for the tool is no failure: tried again later
            log.info("%s waits: %s", job, exc)
        except PartlyApplied as exc:  # the other parts were applied; the failed ones wait
            if not exc.waiting:
                outcome, error = "failed", str(exc)
            log.log(logging.INFO if exc.waiting else logging.WARNING, "%s %s in part: %s",
                    job, "waits" if exc.waiting else "failed", exc)
        except HubError as exc:  # the tool refused or is away: its work waits in the tables
            outcome, error = "failed", str(exc)
            log.warning("%s failed: %s", job, exc)
        except Exception as exc:
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
            raise  # a bug: procrastinate logs it with its traceback
        finally:
            if run_id is not None:
                await asyncio.to_thread(self._finished, run_id, outcome, error)

    def _started(self, job: Job, queue_job_id: int | None) -> int:
        with self.rt.sessions.begin() as session:
            return int(session.execute(text(
                "INSERT INTO job_run (kind, connector_id, lane, lock, queue_job_id, worker, "
                "queued_at, started_at) VALUES (:kind, :connector_id, :lane, :lock, :job_id, "
                ":worker, (SELECT max(at) FROM procrastinate_events WHERE job_id = :job_id "
                "AND type = 'deferred'), clock_timestamp()) RETURNING id"),
                {"kind": job.kind, "connector_id": job.connector_id, "lane": job.lane,
                 "lock": job.lock, "job_id": queue_job_id, "worker": self.name}).scalar_one())

    def _finished(self, run_id: int, outcome: str, error: str | None) -> None:
        with self.rt.sessions.begin() as session:
            session.execute(text(
                "UPDATE job_run SET finished_at = clock_timestamp(), outcome = :outcome, "
                "error = :error WHERE id = :id"),
                {"id": run_id, "outcome": outcome, "error": (error or "")[:2000] or None})

    # -- time ----------------------------------------------------------------------------------
    async def _keep_time(self) -> None:
        works = periodic_jobs(self.rt, self.settings.sweep_every)
        deferred: dict[str, int] = {}
        reaped = pruned = 0.0
        while True:
            now = time.time()
            if self.alive_file is not None:  # for a container's health check: the loop runs
                self.alive_file.touch()
            for work in works:
                every = max(1, int(work.every.total_seconds()))
                period = int(now) // every * every
                if deferred.get(work.name) == period:
                    continue
                try:
                    await self._defer_periodic(work.name, work.job, period)
                except Exception as exc:  # the database is away: try again at the next tick
                    log.warning("could not defer %s: %s", work.name, exc)
                    continue
                deferred[work.name] = period
            if now - reaped >= self.settings.sweep_every.total_seconds():
                reaped = now
                try:
                    await self.reap()
                except Exception as exc:
                    log.warning("could not look for stalled jobs: %s", exc)
            if now - pruned >= PRUNE_EVERY:
                pruned = now
                try:
                    await self.prune()
                except Exception as exc:
                    log.warning("could not clear out finished jobs: %s", exc)
            await asyncio.sleep(TICK)

    async def prune(self) -> None:
        """Forget finished jobs and their runs older than `keep_finished`."""
        hours = max(1, round(self.settings.keep_finished.total_seconds() / 3600))
        await self.app.job_manager.delete_old_jobs(nb_hours=hours, queue=QUEUE,
                                                   include_failed=True,
                                                   include_cancelled=True,
                                                   include_aborted=True)
        await asyncio.to_thread(self._prune_runs)

    def _prune_runs(self) -> None:
        seconds = self.settings.keep_finished.total_seconds()
        with self.rt.sessions.begin() as session:
            session.execute(text(
                "DELETE FROM job_run WHERE started_at < clock_timestamp() - "
                "make_interval(secs => :seconds)"), {"seconds": seconds})

    async def _defer_periodic(self, name: str, job: Job, period: int) -> None:
        # The queueing lock keeps one waiting at a time: a slow poll doesn't pile up polls.
        deferred = queue_job(job, timestamp=period, queueing_lock=job.identity)
        with contextlib.suppress(pexceptions.AlreadyEnqueued):
            await self.app.job_manager.defer_periodic_job(deferred, periodic_id=name,
                                                          defer_timestamp=period)

    async def reap(self) -> int:
        """Hand back the jobs of workers that stopped heartbeating (killed, frozen, cut off):
        they are marked failed, which frees their locks, and their runs `abandoned`; then what
        the hub's tables say is waiting is asked for again. Returns how many."""
        stalled_after = self.settings.stalled_after.total_seconds()
        stalled = list(await self.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=stalled_after))
        handed_back = []
        for job in stalled:
            try:
                await self.app.job_manager.finish_job(job, status=pjobs.Status.FAILED,
                                                      delete_job=False)
            except pexceptions.ConnectorException:
                continue  # another worker was first
            handed_back.append(job)
            log.warning("job %s of a silent worker handed back", job.call_string)
        await self.app.job_manager.prune_stalled_workers(stalled_after)
        if handed_back:
            await asyncio.to_thread(self._abandoned, [j.id for j in handed_back if j.id])
            # Asked for again: what the tables say is waiting, and the jobs whose work the
            # tables don't hold (a poll cut short resumes from its cursor now, not a period on).
            again = set(await kinds.sweep_jobs_async(self.rt))
            for job in handed_back:
                with contextlib.suppress(LookupError):
                    ours = job_of(job.task_name, job.task_kwargs)
                    if ours.kind in RESUMED and ours.connector_id in self.rt.connectors:
                        again.add(ours)
            await asyncio.to_thread(self.dispatcher.defer, again)
        return len(handed_back)

    def _abandoned(self, job_ids: list[int]) -> None:
        with self.rt.sessions.begin() as session:
            session.execute(text(
                "UPDATE job_run SET outcome = 'abandoned', error = 'its worker stopped "
                "heartbeating' WHERE queue_job_id = ANY(CAST(:ids AS bigint[])) "
                "AND finished_at IS NULL"), {"ids": job_ids})
