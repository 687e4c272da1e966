"""The hub's own kinds of job and periodic work (see `hub.sync.dispatch`): poll, drain the inbox,
push a lane, scan for deletes, register webhooks, publish reports, and the sweep that finds
what a crash or a backoff left waiting in the hub's tables."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from hub.sync import jobs
from hub.sync.comments import jobs as comment_jobs  # noqa: F401 - its job kind and periodic
from hub.sync.deliveries import drain_inbox, waiting_connectors
from hub.sync.dispatch import Job, Periodic, job_kind, lanes, periodic
from hub.sync.reports import publish_reports
from hub.sync.runtime import Runtime
from hub.sync.wake import running_lane


@job_kind("poll", exclusive=True)
async def _poll(rt: Runtime, job: Job) -> list[Job]:
    await jobs.poll_connector(rt, job.connector_id)
    return []


@job_kind("inbox", exclusive=True)
async def _inbox(rt: Runtime, job: Job) -> list[Job]:
    drained = await drain_inbox(rt, job.connector_id)
    return [job] if drained.more else []


@job_kind("push", lock=lambda job: f"push:{job.connector_id}:{job.lane}")
async def _push(rt: Runtime, job: Job) -> list[Job]:
    token = running_lane.set(job)
    try:
        await jobs.push_lane(rt, job.connector_id, job.lane, lanes(rt, job.connector_id))
    finally:
        running_lane.reset(token)
    return []


@job_kind("delete_scan", exclusive=True)
async def _delete_scan(rt: Runtime, job: Job) -> list[Job]:
    await jobs.scan_deletes(rt, job.connector_id)
    return []


@job_kind("report", exclusive=True)
async def _report(rt: Runtime, job: Job) -> list[Job]:
    await publish_reports(rt, job.connector_id)
    return []


@job_kind("register", lock=lambda job: f"register:{job.connector_id}")
async def _register(rt: Runtime, job: Job) -> list[Job]:
    await jobs.register_webhooks(rt, job.connector_id)
    return []


@job_kind("sweep", lock=lambda job: "sweep")
async def _sweep(rt: Runtime, job: Job) -> list[Job]:
    return await sweep_jobs_async(rt)


def sweep_jobs(rt: Runtime) -> list[Job]:
    """What the hub's tables say is waiting: connectors with pending deliveries, lanes with
    due pushes, and the reports to rebuild if their data changed (a cheap check)."""
    found: dict[Job, None] = {}
    for connector_id in waiting_connectors(rt):
        found[Job.inbox(connector_id)] = None
    for connector_id, count in jobs.due_counts(rt).items():
        for lane in range(min(count, lanes(rt, connector_id))):
            found[Job.push(connector_id, lane)] = None
    for connector_id, connector in rt.connectors.items():
        if connector.reports():
            found[Job.report(connector_id)] = None
    return list(found)


@periodic
def _scheduled(rt: Runtime) -> Iterable[Periodic]:
    """Each connector's polls and delete scans, at the intervals its config says."""
    for connector_id, connector in rt.connectors.items():
        poll = connector.config.poll
        if poll.enabled:
            yield Periodic(f"poll:{connector_id}", poll.every, Job.poll(connector_id))
        if poll.delete_scan is not None:
            yield Periodic(f"delete-scan:{connector_id}", poll.delete_scan,
                           Job.delete_scan(connector_id))


async def sweep_jobs_async(rt: Runtime) -> list[Job]:
    """`sweep_jobs` off the event loop."""
    return await asyncio.to_thread(sweep_jobs, rt)


# Kinds and periodic work of other packages register as they are imported.
import hub.notify.jobs  # noqa: E402, F401
