"""What both runners share: the jobs, what each may run beside, and the periodic ones.

A `Job` names a kind of work and what it is about. Jobs with the same `lock` run one at a
time, in the order they were asked for: a connector's polls, deliveries, delete scans and
reports share `connector:<id>`; its pushes run in `lanes` (up to the connector's
`concurrency`), so pushes to different records of one tool run side by side, while each push
claims its record so that two pushes to one record never do. A connector's *gate* keeps pushes
and reads apart: a poll or a drain of its deliveries holds it alone, each push holds it shared,
so no poll or delivery reads a push's half-way state as an edit.

The embedded runner (`hub.sync.runner`) runs jobs in this process; the queue
(`hub.sync.queue`) runs the same kinds through procrastinate on any number of workers.
A module can add a kind (`job_kind`) and periodic work (`periodic`): it then runs in both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from hub.sync.runtime import Runtime

#: a job function: runs the job, returns the jobs to ask for next (itself, when it stopped
#: with work left; the sweep, what it found)
Run = Callable[[Runtime, "Job"], Awaitable[list["Job"]]]


@dataclass(frozen=True)
class Kind:
    """A kind of job: its function, and whether it holds its connector's gate alone."""

    name: str
    run: Run
    exclusive: bool = False  # holds the connector's gate alone (reads the tool as truth)
    lock: Callable[[Job], str] | None = None  # default: one at a time per connector


KINDS: dict[str, Kind] = {}


def job_kind(name: str, *, exclusive: bool = False,
             lock: Callable[[Job], str] | None = None) -> Callable[[Run], Run]:
    """Declare a kind of job (a decorator over its function)."""
    def add(run: Run) -> Run:
        KINDS[name] = Kind(name, run, exclusive, lock)
        return run
    return add


@dataclass(frozen=True)
class Job:
    """One unit of work: its kind and what it is about (a connector, a push lane)."""

    kind: str
    connector_id: str = ""
    lane: int = 0

    @property
    def lock(self) -> str:
        """Jobs with the same lock run one at a time, in the order asked for."""
        custom = KINDS[self.kind].lock if self.kind in KINDS else None
        return custom(self) if custom else f"connector:{self.connector_id}"

    @property
    def exclusive(self) -> bool:
        """Whether it holds the connector's gate alone."""
        return KINDS[self.kind].exclusive

    @property
    def identity(self) -> str:
        """What makes two requests the same job (at most one of them waits in a queue)."""
        return f"{self.kind}:{self.connector_id}:{self.lane}"

    def __str__(self) -> str:
        lane = f" lane {self.lane}" if self.kind == "push" else ""
        return f"{self.kind} {self.connector_id}{lane}".strip()

    @classmethod
    def poll(cls, connector_id: str) -> Job:
        return cls("poll", connector_id)

    @classmethod
    def inbox(cls, connector_id: str) -> Job:
        """Drain the connector's stored deliveries, in arrival order."""
        return cls("inbox", connector_id)

    @classmethod
    def push(cls, connector_id: str, lane: int) -> Job:
        """Push the due intents of one lane of the connector's records."""
        return cls("push", connector_id, lane)

    @classmethod
    def delete_scan(cls, connector_id: str) -> Job:
        return cls("delete_scan", connector_id)

    @classmethod
    def register(cls, connector_id: str) -> Job:
        return cls("register", connector_id)

    @classmethod
    def report(cls, connector_id: str) -> Job:
        return cls("report", connector_id)

    @classmethod
    def sweep(cls) -> Job:
        return cls("sweep")


def lanes(rt: Runtime, connector_id: str) -> int:
    """How many pushes to the connector may run at once: its `concurrency`."""
    settings = rt.config.connectors.get(connector_id)
    return settings.concurrency if settings is not None else 1


async def run_job(rt: Runtime, job: Job) -> list[Job]:
    """Run `job` under its connector's gate; returns the jobs to ask for next."""
    kind = KINDS[job.kind]
    if kind.exclusive:
        async with rt.gate.exclusive(job.connector_id):
            return await kind.run(rt, job)
    return await kind.run(rt, job)


@dataclass(frozen=True)
class Periodic:
    """Work that runs once per period across every process of the hub (embedded: APScheduler;
    scaled out: procrastinate's periodic defers, one per period whichever worker asks first).

    `name` tells it apart from other periodic work (two connectors' polls are two).
    """

    name: str
    every: timedelta
    job: Job


PeriodicSource = Callable[[Runtime], Iterable[Periodic]]
PERIODIC_SOURCES: list[PeriodicSource] = []


def periodic(source: PeriodicSource) -> PeriodicSource:
    """Declare where periodic work comes from (a function of the runtime's config): a
    module adds its own (a daily digest, say) and both runners run it once per period."""
    PERIODIC_SOURCES.append(source)
    return source


def periodic_jobs(rt: Runtime, sweep_every: timedelta) -> list[Periodic]:
    """Every periodic job of this runtime: the declared ones and the sweep."""
    found = [Periodic("sweep", sweep_every, Job.sweep())]
    for source in PERIODIC_SOURCES:
        found += list(source(rt))
    return found


@dataclass
class KindStats:
    """The queue as seen for one kind of job."""

    queued: int = 0
    running: int = 0
    oldest_queued_seconds: float | None = None
    #: recent jobs: seconds from asked for to started, and from started to finished
    waits: list[float] = field(default_factory=list)
    runs: list[float] = field(default_factory=list)


@dataclass
class QueueStats:
    """What `/metrics` shows of a runner: per kind, and (scaled out) its workers."""

    kinds: dict[str, KindStats] = field(default_factory=dict)
    stalled: int = 0
    #: worker -> seconds since its last heartbeat
    heartbeats: dict[str, float] = field(default_factory=dict)

    def of(self, kind: str) -> KindStats:
        return self.kinds.setdefault(kind, KindStats())
