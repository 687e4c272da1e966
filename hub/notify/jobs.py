"""The notification work as jobs, in both runners (`hub.sync.dispatch`): delivering the outbox
(asked for by the transaction that writes a message, and every few seconds for retries)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from hub.notify.outbox import deliver_due
from hub.sync.dispatch import Job, Periodic, job_kind, periodic
from hub.sync.runtime import Runtime

#: how often the outbox is looked at for retries and rate-limited messages
OUTBOX_EVERY = timedelta(seconds=10)


@job_kind("notify", lock=lambda job: "notify")
async def _notify(rt: Runtime, job: Job) -> list[Job]:
    await deliver_due(rt)
    return []


@periodic
def _outbox(rt: Runtime) -> Iterable[Periodic]:
    if rt.config.channels:
        yield Periodic("notify", OUTBOX_EVERY, Job("notify"))
