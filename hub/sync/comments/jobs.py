"""The comment job: read the threads that changed (every linked task's, for tools that can't
say which), periodically and when a webhook names a task whose comments changed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy import select

from hub.errors import Permanent
from hub.model.enums import Entity
from hub.sdk.comments import CommentVerbs, RemoteComment
from hub.sdk.connector import LinkRef
from hub.store.sync import Link, SyncCursor
from hub.sync.comments.targets import comment_connectors
from hub.sync.comments.threads import Thread, ThreadTally
from hub.sync.dispatch import Job, Periodic, job_kind, periodic
from hub.sync.runtime import Runtime

STREAM = "comments"  # the comment threads' cursor, beside the connector's own


async def read_threads(rt: Runtime, connector_id: str, task_ids: Iterable[str] | None = None,
                       *, delivery: str = "poll") -> ThreadTally:
    """Read the comment threads of the connector's linked tasks (those with remote ids
    `task_ids`; None: those the tool says changed since the last read, or all of them) into
    the hub. A task the tool no longer has is skipped; a tool that can't be read now raises
    `Retriable`."""
    connector = rt.connectors.get(connector_id)
    total = ThreadTally()
    if not isinstance(connector, CommentVerbs) or connector_id not in comment_connectors(rt):
        return total
    cursor: str | None = None
    wanted = list(task_ids) if task_ids is not None else None
    if wanted is None:
        with rt.sessions() as session:
            row = session.get(SyncCursor, (connector_id, STREAM))
            since = row.value if row else None
        wanted, cursor = await connector.comment_threads(since)
    for link_id, ref in await asyncio.to_thread(_task_refs, rt, connector_id, wanted):
        try:
            thread = await connector.list_comments(ref)
        except Permanent as exc:
            total.errors.append(f"{ref.remote_type} {ref.remote_id}: {exc.reason}")
            continue
        total.add(await asyncio.to_thread(_ingest, rt, connector_id, link_id, thread, delivery))
    if cursor is not None:
        with rt.sessions.begin() as session:
            row = SyncCursor.of(session, connector_id, STREAM)
            row.value, row.updated_at = cursor, rt.clock()
    return total


def _task_refs(rt: Runtime, connector_id: str,
               remote_ids: list[str] | None) -> list[tuple[str, LinkRef]]:
    query = select(Link).where(Link.connector_id == connector_id, Link.entity == Entity.task,
                               Link.deleted_at.is_(None))
    if remote_ids is not None:
        if not remote_ids:
            return []
        query = query.where(Link.remote_id.in_(remote_ids))
    with rt.sessions() as session:
        return [(link.id, LinkRef(link.remote_type, link.remote_id, {}, link.url,
                                  link.record_id))
                for link in session.scalars(query.order_by(Link.id))]


def _ingest(rt: Runtime, connector_id: str, link_id: str, thread: list[RemoteComment],
            delivery: str) -> ThreadTally:
    with rt.sessions.begin() as session:
        link = session.get(Link, link_id)
        if link is None or link.deleted_at is not None:
            return ThreadTally()
        return Thread(rt, session, connector_id, link, delivery, rt.clock()).run(thread)


@job_kind("comments", exclusive=True)
async def _comments(rt: Runtime, job: Job) -> list[Job]:
    await read_threads(rt, job.connector_id)
    return []


@periodic
def _scheduled(rt: Runtime) -> Iterable[Periodic]:
    """Each comment-taking connector's threads, at `comments.poll_every`."""
    for connector_id in comment_connectors(rt):
        if rt.connectors[connector_id].config.poll.enabled:
            yield Periodic(f"comments:{connector_id}", rt.config.comments.poll_every,
                           Job("comments", connector_id))
