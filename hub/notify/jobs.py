"""Notification, risk and digest work as jobs, in both runners (`hub.sync.dispatch`):
delivering the outbox (asked for by the transaction that writes a message, and every few
seconds for retries), refreshing risks and forecasts, watching connectors' health, and writing
the day's digests at their time (periodic work runs once per period across processes)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta

from hub.notify.digest import due_digests
from hub.notify.outbox import deliver_due
from hub.rules.refresh import refresh_risks, watch_connectors
from hub.sync.dispatch import Job, Periodic, job_kind, periodic
from hub.sync.runtime import Runtime

#: how often the outbox is looked at for retries and rate-limited messages
OUTBOX_EVERY = timedelta(seconds=10)
#: how often the digests' time and the connectors' health are checked
MINUTE = timedelta(minutes=1)


@job_kind("notify", lock=lambda job: "notify")
async def _notify(rt: Runtime, job: Job) -> list[Job]:
    await deliver_due(rt)
    return []


@job_kind("risks", lock=lambda job: "risks")
async def _risks(rt: Runtime, job: Job) -> list[Job]:
    await asyncio.to_thread(refresh_risks, rt, rt.clock())
    return []


@job_kind("watch", lock=lambda job: "watch")
async def _watch(rt: Runtime, job: Job) -> list[Job]:
    await asyncio.to_thread(watch_connectors, rt, rt.clock())
    return []


@job_kind("digest", lock=lambda job: "digest")
async def _digest(rt: Runtime, job: Job) -> list[Job]:
    await asyncio.to_thread(due_digests, rt, rt.clock())
    return []


@periodic
def _scheduled(rt: Runtime) -> Iterable[Periodic]:
    if rt.config.channels:
        yield Periodic("notify", OUTBOX_EVERY, Job("notify"))
    yield Periodic("risks", rt.config.risks.refresh_every, Job("risks"))
    if any(r.when.event == "connector_unhealthy" for r in rt.config.rules):
        yield Periodic("watch", MINUTE, Job("watch"))
    if rt.config.digests.targets:
        yield Periodic("digest", MINUTE, Job("digest"))
