"""The embedded runner: APScheduler triggers polls, asyncio workers run jobs.

One job per connector at a time: a tool's polls, deliveries and pushes are serialised by their
key, so its state is read only between the hub's writes. A periodic sweep re-queues whatever a
crash left pending (inbox items, due push intents). The scaled-out mode runs the same job
functions through a job queue; only this dispatcher differs.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub.errors import NotYet, PartlyApplied
from hub.sync import jobs
from hub.sync.reports import publish_reports
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A unit of work: which function, on what, and what it must not run beside."""

    name: str  # poll, inbox, push, delete_scan, register, report
    arg: str
    key: str

    @classmethod
    def poll(cls, connector_id: str) -> Job:
        # One job per connector at a time: a poll must not read a push's half-way states.
        return cls("poll", connector_id, f"connector:{connector_id}")

    @classmethod
    def register(cls, connector_id: str) -> Job:
        return cls("register", connector_id, f"register:{connector_id}")

    @classmethod
    def delete_scan(cls, connector_id: str) -> Job:
        return cls("delete_scan", connector_id, f"connector:{connector_id}")

    @classmethod
    def report(cls, connector_id: str) -> Job:
        # Beside the connector's polls and pushes: a report is written into the same tool.
        return cls("report", connector_id, f"connector:{connector_id}")

    @classmethod
    def inbox(cls, connector_id: str, item_id: str) -> Job:
        # A connector's deliveries are processed in the order they arrived...
        return cls("inbox", item_id, f"connector:{connector_id}")

    @classmethod
    def push(cls, intent_id: str, connector_id: str) -> Job:
        # ...and never beside a push to it: the webhooks a push causes (e.g. for each hop of a
        # multi-step Jira transition) are read after the push recorded what it wrote, so they
        # are recognised as its echo.
        return cls("push", intent_id, f"connector:{connector_id}")


class EmbeddedRunner:
    """Runs jobs in this process with `workers` asyncio tasks."""

    def __init__(self, rt: Runtime, workers: int = 4,
                 sweep_every: timedelta = timedelta(seconds=5)) -> None:
        self.rt = rt
        self.workers = workers
        self.sweep_every = sweep_every
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._queued: set[Job] = set()
        self._busy: set[str] = set()
        self._waiting: dict[str, deque[Job]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.errors: deque[str] = deque(maxlen=100)

    # -- control ---------------------------------------------------------------------------
    async def start(self, schedule: bool = True) -> None:
        """Start the workers and, with `schedule`, the poll and sweep timers."""
        self._tasks = [asyncio.create_task(self._work(), name=f"hub-worker-{i}")
                       for i in range(self.workers)]
        if schedule:
            self._scheduler = AsyncIOScheduler()
            for connector_id, connector in self.rt.connectors.items():
                poll = connector.config.poll
                if poll.enabled:
                    self._scheduler.add_job(self.enqueue, "interval", args=[Job.poll(connector_id)],
                                            seconds=poll.every.total_seconds(),
                                            id=f"poll:{connector_id}", coalesce=True,
                                            max_instances=1)
                    await self.enqueue(Job.poll(connector_id))  # first poll now, not in 2m
                if poll.delete_scan is not None:
                    self._scheduler.add_job(self.enqueue, "interval",
                                            args=[Job.delete_scan(connector_id)],
                                            seconds=poll.delete_scan.total_seconds(),
                                            id=f"delete-scan:{connector_id}", coalesce=True,
                                            max_instances=1)
            if self.rt.config.server.public_url:
                for connector_id in self.rt.connectors:
                    await self.enqueue(Job.register(connector_id))
            self._scheduler.add_job(self.sweep, "interval",
                                    seconds=self.sweep_every.total_seconds(), id="sweep",
                                    coalesce=True, max_instances=1)
            self._scheduler.start()
        await self.sweep()

    async def stop(self) -> None:
        """Stop timers and workers; jobs not started stay durable in the hub's tables."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        # Jobs that waited for a cancelled one are forgotten (their state is durable), so that
        # asking for them after a restart is not taken for a duplicate.
        for waiting in self._waiting.values():
            self._queued.difference_update(waiting)
        self._waiting.clear()

    async def enqueue(self, job: Job) -> None:
        """Queue a job unless the same one is already waiting."""
        if job in self._queued:
            return
        self._queued.add(job)
        self._idle.clear()
        await self._queue.put(job)

    async def sweep(self) -> None:
        """Queue pending inbox items and due push intents (after a crash, too)."""
        # The same key as a webhook's job: a delivery found by the sweep and its webhook's own
        # job are one job, and a connector's deliveries still run one at a time, in order.
        for connector_id, item_id in await asyncio.to_thread(jobs.pending_items, self.rt):
            await self.enqueue(Job.inbox(connector_id, item_id))
        for connector_id, intent_id in await asyncio.to_thread(jobs.due_pushes, self.rt):
            await self.enqueue(Job.push(intent_id, connector_id))
        # Reports are rebuilt only when the hub's data changed since the last one (cheap).
        for connector_id, connector in self.rt.connectors.items():
            if connector.reports():
                await self.enqueue(Job.report(connector_id))

    async def wait_idle(self, within: float) -> None:
        """Wait until no job is queued or running (tests, `hub demo`); TimeoutError after
        `within` seconds."""
        await asyncio.wait_for(self._idle.wait(), within)

    # -- workers ---------------------------------------------------------------------------
    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                if job.key in self._busy:
                    # It runs after the job holding its key, and stays "queued" until then,
                    # so asking for it again meanwhile doesn't run it twice.
                    self._waiting.setdefault(job.key, deque()).append(job)
                    continue
                self._busy.add(job.key)
                try:
                    # This worker keeps the key until its waiting jobs are done: requeued, a
                    # later job of the key could overtake them.
                    next_job: Job | None = job
                    while next_job is not None:
                        await self._run_logged(next_job)
                        next_job = self._next_waiting(job.key)
                finally:
                    self._busy.discard(job.key)
            finally:
                self._queue.task_done()
                if self._queue.empty() and not self._busy:
                    self._idle.set()

    def _next_waiting(self, key: str) -> Job | None:
        waiting = self._waiting.get(key)
        if not waiting:
            self._waiting.pop(key, None)
            return None
        return waiting.popleft()

    async def _run_logged(self, job: Job) -> None:
        self._queued.discard(job)  # from now on, asking again means running again
        try:
            await self._run(job)
        except asyncio.CancelledError:
            raise
        except NotYet as exc:  # waiting for the tool is no failure: tried again later
            log.info("%s job for %s waits: %s", job.name, job.arg, exc)
        except PartlyApplied as exc:  # the other parts were applied; the failed ones wait
            if exc.waiting:
                log.info("%s job for %s waits in part: %s", job.name, job.arg, exc)
            else:
                self.errors.append(f"{job.name} {job.arg}: {exc}")
                log.warning("%s job for %s failed in part: %s", job.name, job.arg, exc)
        except Exception as exc:  # a failed job is logged; its durable state lets it retry
            self.errors.append(f"{job.name} {job.arg}: {exc}")
            log.warning("%s job for %s failed: %s", job.name, job.arg, exc)

    async def _run(self, job: Job) -> None:
        if job.name == "poll":
            await jobs.poll_connector(self.rt, job.arg)
        elif job.name == "inbox":
            await jobs.process_inbox_item(self.rt, job.arg)
        elif job.name == "push":
            await jobs.push_intent(self.rt, job.arg)
        elif job.name == "delete_scan":
            await jobs.scan_deletes(self.rt, job.arg)
        elif job.name == "register":
            await jobs.register_webhooks(self.rt, job.arg)
            return
        elif job.name == "report":
            await publish_reports(self.rt, job.arg)
            return
        # New changes may need pushes (a push's answer, too, may change the record for other
        # tools): queue the due ones now rather than at the next sweep. An intent that is due
        # again right after its own push waits for the sweep: a tool that keeps answering with
        # something else must not be hammered.
        for connector_id, intent_id in await asyncio.to_thread(jobs.due_pushes, self.rt):
            if not (job.name == "push" and intent_id == job.arg):
                await self.enqueue(Job.push(intent_id, connector_id))
