"""The comment job: read the threads that changed (every linked task's, for tools that can't
say which), periodically and when a webhook names a task whose comments changed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

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
    """Read the comment threads of the connector's linked tasks into the hub: those with
    remote ids `task_ids` (a webhook's), or (None) the tasks another comment-taking tool holds
    too, of them those the tool says changed since the last read and those shared since.
    A task the tool no longer has is skipped; a tool that can't be read now raises
    `Retriable`."""
    connector = rt.connectors.get(connector_id)
    total = ThreadTally()
    if not isinstance(connector, CommentVerbs) or connector_id not in comment_connectors(rt):
        return total
    cursor: str | None = None
    wanted = list(task_ids) if task_ids is not None else None
    since: datetime | None = None
    if wanted is None:
        with rt.sessions() as session:
            row = session.get(SyncCursor, (connector_id, STREAM))
            last, since = (row.value, row.updated_at) if row else (None, None)
        wanted, cursor = await connector.comment_threads(last)
    refs = await asyncio.to_thread(_task_refs, rt, connector_id, wanted, task_ids is None, since)
    for link_id, ref in refs:
        try:
            thread = await connector.list_comments(ref)
        except Permanent as exc:
            total.errors.append(f"{ref.remote_type} {ref.remote_id}: {exc.reason}")
            continue
        total.add(await asyncio.to_thread(_ingest, rt, connector_id, link_id, thread, delivery))
    if task_ids is None:
        with rt.sessions.begin() as session:
            row = SyncCursor.of(session, connector_id, STREAM)
            row.value, row.updated_at = cursor, rt.clock()
    return total


def _task_refs(rt: Runtime, connector_id: str, remote_ids: list[str] | None, shared: bool,
               since: datetime | None) -> list[tuple[str, LinkRef]]:
    """The task links whose threads to read: those named (a webhook's), or on a poll the
    tasks another comment-taking tool holds too (nobody else would show a thread of a task
    only this tool has), of those the tool says changed, plus those shared since `since`."""
    query = select(Link).where(Link.connector_id == connector_id, Link.entity == Entity.task,
                               Link.deleted_at.is_(None))
    if shared:
        other = aliased(Link)
        others = [c for c in comment_connectors(rt) if c != connector_id]
        held = select(other.record_id).where(
            other.entity == Entity.task, other.deleted_at.is_(None),
            other.connector_id.in_(others))
        query = query.where(Link.record_id.in_(held))
        if remote_ids is not None and since is not None:
            recent = held.where(other.created_at >= since - timedelta(minutes=5))
            query = query.where(or_(Link.remote_id.in_(remote_ids), Link.record_id.in_(recent),
                                    Link.created_at >= since - timedelta(minutes=5)))
        elif remote_ids is not None:
            query = query.where(Link.remote_id.in_(remote_ids))
    elif remote_ids is not None:
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


@job_kind("comments")
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
