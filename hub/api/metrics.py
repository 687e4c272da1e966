"""Prometheus metrics: requests and latencies by route, the sync engine's state read from the
database at scrape time (lag per connector, inbox backlog, failed pushes, quarantine), and the
jobs (queue depth per kind, wait and run times, the oldest waiting, stalled jobs, workers'
heartbeats)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.config.models import HubConfig
from hub.store.sync import (
    InboxItem,
    InboxState,
    IntentState,
    PushIntent,
    PushRefusal,
    QuarantineItem,
    SyncCursor,
)
from hub.sync.dispatch import QueueStats

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class SyncCollector(Collector):
    """Gauges computed from the hub's tables on each scrape (every replica reports the same)."""

    def __init__(self, sessions: sessionmaker[Session], config: HubConfig,
                 clock: Callable[[], datetime]) -> None:
        self.sessions, self.config, self.clock = sessions, config, clock

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily("hub_sync_lag_seconds", "seconds since the connector's last "
                                "successful poll", labels=["connector"])
        inbox = GaugeMetricFamily("hub_inbox_pending", "webhook deliveries waiting to be "
                                  "processed", labels=["connector"])
        intents = GaugeMetricFamily("hub_push_intents", "push intents by state",
                                    labels=["connector", "state"])
        quarantined = GaugeMetricFamily("hub_quarantined_records", "records that could not be "
                                        "mapped", labels=["connector"])
        refused = GaugeMetricFamily("hub_refused_fields", "fields the tool refused while it "
                                    "took the rest of a write", labels=["connector"])
        now = self.clock()
        with self.sessions() as session:
            last = dict(session.execute(select(SyncCursor.connector_id,
                                               func.max(SyncCursor.last_success_at))
                                        .group_by(SyncCursor.connector_id)).all())
            pending = dict(session.execute(
                select(InboxItem.connector_id, func.count())
                .where(InboxItem.state == InboxState.pending)
                .group_by(InboxItem.connector_id)).all())
            by_state = {(c, s): n for c, s, n in session.execute(
                select(PushIntent.connector_id, PushIntent.state, func.count())
                .where(PushIntent.state != IntentState.done)
                .group_by(PushIntent.connector_id, PushIntent.state))}
            held = dict(session.execute(
                select(QuarantineItem.connector_id, func.count())
                .where(QuarantineItem.resolved_at.is_(None))
                .group_by(QuarantineItem.connector_id)).all())
            refusals = dict(session.execute(
                select(PushRefusal.connector_id, func.count())
                .group_by(PushRefusal.connector_id)).all())
        for cid in sorted(self.config.connectors):
            success = last.get(cid)
            if success is not None:
                lag.add_metric([cid], (now - success).total_seconds())
            inbox.add_metric([cid], pending.get(cid, 0))
            for state in (IntentState.pending, IntentState.failed):
                intents.add_metric([cid, state.value], by_state.get((cid, state), 0))
            quarantined.add_metric([cid], held.get(cid, 0))
            refused.add_metric([cid], refusals.get(cid, 0))
        yield from (lag, inbox, intents, quarantined, refused)


class QueueCollector(Collector):
    """The jobs: queued and running per kind, the oldest waiting, their wait and run times,
    stalled jobs and workers' heartbeats (scaled out, from the queue's tables; embedded, from
    the runner in this process)."""

    def __init__(self, stats: Callable[[], QueueStats | None]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats()
        if stats is None:
            return
        queued = GaugeMetricFamily("hub_jobs_queued", "jobs waiting to start", labels=["kind"])
        running = GaugeMetricFamily("hub_jobs_running", "jobs under way", labels=["kind"])
        oldest = GaugeMetricFamily("hub_job_oldest_queued_seconds", "age of the oldest job "
                                   "waiting to start", labels=["kind"])
        wait = GaugeMetricFamily("hub_job_wait_seconds", "recent jobs: time from asked for to "
                                 "started", labels=["kind", "quantile"])
        run = GaugeMetricFamily("hub_job_run_seconds", "recent jobs: time from started to "
                                "finished", labels=["kind", "quantile"])
        for name, kind in sorted(stats.kinds.items()):
            queued.add_metric([name], kind.queued)
            running.add_metric([name], kind.running)
            oldest.add_metric([name], kind.oldest_queued_seconds or 0.0)
            for family, samples in ((wait, kind.waits), (run, kind.runs)):
                for q, value in _quantiles(samples):
                    family.add_metric([name, q], value)
        stalled = GaugeMetricFamily("hub_jobs_stalled", "jobs held by a worker that stopped "
                                    "heartbeating")
        stalled.add_metric([], stats.stalled)
        heartbeat = GaugeMetricFamily("hub_worker_heartbeat_age_seconds", "seconds since each "
                                      "worker's last heartbeat", labels=["worker"])
        for worker, age in sorted(stats.heartbeats.items()):
            heartbeat.add_metric([worker], age)
        yield from (queued, running, oldest, wait, run, stalled, heartbeat)


def _quantiles(samples: list[float]) -> list[tuple[str, float]]:
    if not samples:
        return []
    if len(samples) == 1:
        return [("0.5", samples[0]), ("0.95", samples[0])]
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return [("0.5", cuts[9]), ("0.95", cuts[18])]


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self, sessions: sessionmaker[Session], config: HubConfig,
                 clock: Callable[[], datetime],
                 queue: Callable[[], QueueStats | None] = lambda: None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("hub_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("hub_http_request_duration_seconds", "time to answer",
                                 ["method", "route"], buckets=_BUCKETS, registry=self.registry)
        self.registry.register(SyncCollector(sessions, config, clock))
        self.registry.register(QueueCollector(queue))
        # Labelled children by their labels: looking one up takes a lock and checks labels.
        self._counted: dict[tuple[str, str, int], Counter] = {}
        self._timed: dict[tuple[str, str], Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        counted = self._counted.get((method, route, status))
        if counted is None:
            counted = self._counted[method, route, status] = \
                self.requests.labels(method, route, str(status))
        counted.inc()
        timed = self._timed.get((method, route))
        if timed is None:
            timed = self._timed[method, route] = self.latency.labels(method, route)
        timed.observe(seconds)
