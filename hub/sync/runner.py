"""The embedded runner: APScheduler triggers the periodic work, asyncio tasks run the jobs.

Jobs with the same lock run one at a time, in the order asked for (a connector's polls and
deliveries; each push lane); jobs with different locks run side by side, up to `workers` at
once. The connector's gate (`hub.sync.gates.LocalGate`) keeps pushes away from its polls and
deliveries. Rows that need work ask for it as they commit (`hub.sync.wake`); a periodic sweep
finds what a crash or a backoff left waiting. The scaled-out mode runs the same kinds through
procrastinate (`hub.sync.queue`); only this dispatcher differs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import NotYet, PartlyApplied
from hub.sync import kinds
from hub.sync.dispatch import Job, QueueStats, periodic_jobs, run_job
from hub.sync.gates import LocalGate, OpenGate
from hub.sync.pacing import PAUSE
from hub.sync.runtime import Runtime
from hub.sync.wake import AGAIN_AFTER, Wakeups

__all__ = ["EmbeddedRunner", "Job"]

log = logging.getLogger(__name__)
_SAMPLES = 500  # recent job timings kept per kind, for /metrics


class EmbeddedRunner:
    """Runs jobs in this process, up to `workers` at once."""

    def __init__(self, rt: Runtime, workers: int = 32,
                 sweep_every: timedelta = timedelta(seconds=5)) -> None:
        self.rt = rt
        self.workers = workers
        self.sweep_every = sweep_every
        self._queued: dict[Job, float] = {}  # asked for, not started yet -> since when
        self._busy: set[str] = set()  # locks held by a running job
        self._waiting: dict[str, deque[Job]] = {}
        self._deferred: dict[Job, asyncio.TimerHandle] = {}  # drains making way for intake
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(workers)
        self._scheduler: AsyncIOScheduler | None = None
        self._wakeups: Wakeups | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._timings: dict[str, deque[tuple[float, float]]] = {}
        self._running: dict[str, int] = {}
        self.errors: deque[str] = deque(maxlen=100)

    # -- control ---------------------------------------------------------------------------
    async def start(self, schedule: bool = True,
                    sessions: tuple[sessionmaker[Session], ...] = ()) -> None:
        """Start taking jobs and, with `schedule`, the periodic work (first polls now).
        Rows committed through the runtime's sessions, or `sessions`, ask for their jobs."""
        self._loop, self._thread = asyncio.get_running_loop(), threading.get_ident()
        self.rt.gate = LocalGate()
        self._wakeups = Wakeups(self.rt, after=self._wake)
        self._wakeups.install(self.rt.sessions, *sessions)
        if schedule:
            self._scheduler = AsyncIOScheduler()
            for work in periodic_jobs(self.rt, self.sweep_every):
                self._scheduler.add_job(self.enqueue, "interval", args=[work.job],
                                        seconds=work.every.total_seconds(), id=work.name,
                                        coalesce=True, max_instances=1)
                if work.job.kind == "poll":
                    await self.enqueue(work.job)  # the first poll now, not in 2m
            if self.rt.config.server.public_url:
                for connector_id in self.rt.connectors:
                    await self.enqueue(Job.register(connector_id))
            self._scheduler.start()
        await self.sweep()

    async def stop(self) -> None:
        """Stop timers and jobs; work not done stays durable in the hub's tables."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self._wakeups is not None:
            self._wakeups.uninstall()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for timer in self._deferred.values():
            timer.cancel()
        self._deferred.clear()
        # Jobs not started are forgotten (their state is durable), so that asking for them
        # after a restart is not taken for a duplicate.
        self._queued.clear()
        self._waiting.clear()
        self._busy.clear()
        self.rt.gate = OpenGate()

    async def enqueue(self, job: Job) -> None:
        """Ask for a job, unless the same one is already waiting to start."""
        self.enqueue_nowait(job)

    def enqueue_nowait(self, job: Job) -> None:
        """`enqueue` from synchronous code on the runner's event loop."""
        if job in self._queued:
            return
        self._queued[job] = time.monotonic()
        self._idle.clear()
        if job.lock in self._busy:
            # It runs after the job holding its lock, and stays "queued" until then, so
            # asking for it again meanwhile doesn't run it twice.
            self._waiting.setdefault(job.lock, deque()).append(job)
            return
        self._busy.add(job.lock)
        task = asyncio.create_task(self._drive(job), name=f"hub-job {job}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def sweep(self) -> None:
        """Ask for the jobs the hub's tables say are waiting (after a crash, too)."""
        for job in await kinds.sweep_jobs_async(self.rt):
            self.enqueue_nowait(job)

    async def wait_idle(self, within: float) -> None:
        """Wait until no job is queued or running (tests, `hub demo`); TimeoutError after
        `within` seconds."""
        async def settled() -> None:
            while True:
                await self._idle.wait()
                await asyncio.sleep(0)  # a wake-up posted by the last job's commit lands
                if self._idle.is_set():
                    return
        await asyncio.wait_for(settled(), within)

    def stats(self) -> QueueStats:
        """The queue now, for /metrics."""
        stats = QueueStats()
        now = time.monotonic()
        for job, since in self._queued.items():
            kind = stats.of(job.kind)
            kind.queued += 1
            kind.oldest_queued_seconds = max(kind.oldest_queued_seconds or 0.0, now - since)
        for name, running in self._running.items():
            stats.of(name).running = running
        for name, timings in self._timings.items():
            stats.of(name).waits = [w for w, _ in timings]
            stats.of(name).runs = [r for _, r in timings]
        return stats

    # -- running -----------------------------------------------------------------------------
    def _wake(self, wanted: set[Job], later: set[Job]) -> None:
        """Jobs a commit asked for (`later`: in a moment); commits happen in threads and on
        the loop alike."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._thread:
            self._asked(wanted, later)
        else:
            loop.call_soon_threadsafe(self._asked, wanted, later)

    def _asked(self, wanted: set[Job], later: set[Job]) -> None:
        for job in wanted:
            if job.kind == "inbox" and self.rt.intake.busy:
                self._defer(job)
            else:
                self.enqueue_nowait(job)
        for job in later:
            assert self._loop is not None
            self._loop.call_later(AGAIN_AFTER, self.enqueue_nowait, job)

    def _defer(self, job: Job) -> None:
        """A drain asked for while this process's intake is busy starts `PAUSE` later (once,
        however often it is asked meanwhile): the requests waiting for their 2xx get the CPU
        first, and the drain takes what arrived meanwhile in one batch (`hub.sync.pacing`).
        It waits before its connector's gate, so pushes are not held up."""
        if job in self._deferred or job in self._queued:
            return
        assert self._loop is not None
        self._idle.clear()
        self._deferred[job] = self._loop.call_later(PAUSE, self._undefer, job)

    def _undefer(self, job: Job) -> None:
        self._deferred.pop(job, None)
        self.enqueue_nowait(job)

    async def _drive(self, first: Job) -> None:
        """Run `first`, then the jobs that waited for its lock, in order."""
        lock = first.lock
        job: Job | None = first
        try:
            while job is not None:
                async with self._slots:
                    await self._run_logged(job)
                waiting = self._waiting.get(lock)
                job = waiting.popleft() if waiting else None
                if not waiting:
                    self._waiting.pop(lock, None)
        finally:
            self._busy.discard(lock)
            if not self._busy and not self._queued and not self._deferred:
                self._idle.set()

    async def _run_logged(self, job: Job) -> None:
        asked = self._queued.pop(job, time.monotonic())  # asking again means running again
        started = time.monotonic()
        self._running[job.kind] = self._running.get(job.kind, 0) + 1
        try:
            follow = await run_job(self.rt, job)
        except asyncio.CancelledError:
            raise
        except NotYet as exc:  # waiting for the tool is no failure: tried again later
            log.info("%s waits: %s", job, exc)
        except PartlyApplied as exc:  # the other parts were applied; the failed ones wait
            if exc.waiting:
                log.info("%s waits in part: %s", job, exc)
            else:
                self.errors.append(f"{job}: {exc}")
                log.warning("%s failed in part: %s", job, exc)
        except Exception as exc:  # a failed job is logged; its durable state lets it retry
            self.errors.append(f"{job}: {exc}")
            log.warning("%s failed: %s", job, exc)
        else:
            for next_job in follow:
                self.enqueue_nowait(next_job)
        finally:
            self._running[job.kind] -= 1
            timings = self._timings.setdefault(job.kind, deque(maxlen=_SAMPLES))
            timings.append((started - asked, time.monotonic() - started))
