"""Writing a comment into a tool: a new copy, an edit, or a delete, as the hub's account.

The remote call happens outside any transaction. A new copy is made idempotently: the thread
is read first, and a copy the hub already posted (a retry after a crash) is linked instead of
posted twice.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import Permanent, Retriable
from hub.ids import new_id
from hub.model.enums import Entity
from hub.sdk.comments import CommentVerbs, CommentWrite, RemoteComment
from hub.sdk.connector import LinkRef
from hub.store.canonical import Task
from hub.store.comments import Comment
from hub.store.sync import IntentState, Link, PushIntent
from hub.sync.comments.targets import task_links, wanted_in
from hub.sync.comments.text import writing
from hub.sync.comments.threads import COMMENT, comment_links
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class _Step:
    action: Literal["create", "update", "delete"]
    connector_id: str
    task: LinkRef
    body: str  # the canonical body being written
    write: CommentWrite
    remote_id: str | None = None


def tool_label(rt: Runtime, connector_id: str) -> str:
    """How a tool is named in attribution lines: "Jira", "Asana"."""
    connector = rt.connectors.get(connector_id)
    label = getattr(connector, "tool_label", "") if connector is not None else ""
    return label or (connector.kind.title() if connector is not None else connector_id)


async def push_comment(rt: Runtime, intent_id: str) -> tuple[str, str]:
    """Carry out one comment intent; returns (state, detail) like a record's push."""
    step = _prepare(rt, intent_id)
    if isinstance(step, tuple):
        return step
    connector = rt.connectors[step.connector_id]
    assert isinstance(connector, CommentVerbs)
    try:
        remote: RemoteComment | None = None
        if step.action == "create":
            remote = await _posted_before(rt, connector, step, intent_id)
            if remote is None:
                remote = await connector.create_comment(step.task, step.write)
        elif step.action == "update" and step.remote_id:
            remote = await connector.update_comment(step.task, step.remote_id, step.write)
        elif step.remote_id:
            await connector.delete_comment(step.task, step.remote_id)
    except Retriable as exc:
        with rt.sessions.begin() as session:
            return _retry(rt, session.get_one(PushIntent, intent_id), exc)
    except Permanent as exc:
        with rt.sessions.begin() as session:
            return _fail(session.get_one(PushIntent, intent_id), exc.reason)
    with rt.sessions.begin() as session:
        _record(rt, session, intent_id, step, remote)
    return "done", f"comment {step.action}d in {step.connector_id}"


def _prepare(rt: Runtime, intent_id: str) -> _Step | tuple[str, str]:
    with rt.sessions.begin() as session:
        intent = session.get(PushIntent, intent_id)
        if intent is None or intent.state is not IntentState.pending:
            return "nothing", "no pending intent"
        if intent.next_attempt_at > rt.clock():
            return "not_due", f"next attempt at {intent.next_attempt_at}"
        comment = session.get(Comment, intent.record_id)
        task = session.get(Task, comment.task_id) if comment is not None else None
        task_link = task_links(session, task.id).get(intent.connector_id) if task else None
        if comment is None or task is None or task_link is None or \
                intent.connector_id not in rt.connectors:
            intent.state = IntentState.done
            return "nothing", "the task is not in that tool"
        link = next((lk for lk in comment_links(session, intent.connector_id, task.id).values()
                     if lk.record_id == comment.id), None)
        ref = LinkRef(task_link.remote_type, task_link.remote_id, {}, task_link.url, task.id)
        author = comment.author_name or (comment.author.display_name if comment.author
                                         else None)
        write = writing(author, tool_label(rt, comment.source), comment.body,
                        comment.mentions or [])
        if link is not None and link.deleted_at is not None:
            intent.state = IntentState.done
            return "nothing", "the tool deleted its copy"
        if comment.deleted_at is not None:
            if link is None:
                intent.state = IntentState.done
                return "nothing", "deleted before it was copied"
            return _Step("delete", intent.connector_id, ref, comment.body, write, link.remote_id)
        if link is None:
            if not wanted_in(rt, comment, task, intent.connector_id):
                intent.state = IntentState.done
                return "nothing", "this comment stays in its tool"
            return _Step("create", intent.connector_id, ref, comment.body, write)
        if intent.connector_id == comment.source or (link.shadow or {}).get("body") == \
                comment.body:
            intent.state = IntentState.done
            return "nothing", "the tool holds this comment as it is"
        return _Step("update", intent.connector_id, ref, comment.body, write, link.remote_id)


async def _posted_before(rt: Runtime, connector: CommentVerbs, step: _Step,
                         intent_id: str) -> RemoteComment | None:
    """The copy the hub posted already (a retry after a crash), if the thread has it."""
    with rt.sessions() as session:
        linked = set(comment_links(session, step.connector_id, step.task.hub_id or "").keys())
    for remote in await connector.list_comments(step.task):
        if remote.by_hub and remote.remote_id not in linked and remote.body == step.write.body:
            return remote
    return None


def _record(rt: Runtime, session: Session, intent_id: str, step: _Step,
            remote: RemoteComment | None) -> None:
    intent = session.get_one(PushIntent, intent_id)
    intent.state, intent.last_error, intent.attempts = IntentState.done, None, 0
    comment = session.get(Comment, intent.record_id)
    link = session.get(Link, intent.link_id) if intent.link_id else None
    if step.action == "delete":
        if link is not None:
            link.deleted_at = rt.clock()
        return
    if link is None and remote is not None:
        # A read of the thread may have linked the copy while this push was under way.
        link = session.scalars(select(Link).where(
            Link.connector_id == step.connector_id, Link.remote_type == COMMENT,
            Link.remote_id == remote.remote_id)).first()
        intent.link_id = link.id if link is not None else None
    if link is None and remote is not None:
        link = Link(id=new_id(), connector_id=step.connector_id, remote_type=COMMENT,
                    remote_id=remote.remote_id, entity=Entity.comment,
                    record_id=intent.record_id, shadow={}, url=remote.url)
        session.add(link)
        intent.link_id, intent.create = link.id, False
    if link is not None:
        # The tool holds what was sent (an echo of it is no change).
        link.shadow = {**(link.shadow or {}), "body": step.body}
        if remote is not None:
            link.remote_updated_at = remote.edited_at or remote.written_at
    if comment is not None and comment.deleted_at is None and comment.body != step.body:
        # Changed while the push was under way: the intent stays open for the new text.
        intent.state, intent.next_attempt_at = IntentState.pending, rt.clock()


def _retry(rt: Runtime, intent: PushIntent, exc: Retriable) -> tuple[str, str]:
    intent.attempts += 1
    intent.last_error = exc.reason
    if intent.attempts >= MAX_ATTEMPTS:
        return _fail(intent, f"gave up after {intent.attempts} attempts: {exc.reason}")
    delay = max(exc.retry_after or 0.0,
                min(900.0, 2.0 * 2.0 ** (intent.attempts - 1)) * random.uniform(0.5, 1.0))
    intent.next_attempt_at = rt.clock() + timedelta(seconds=delay)
    return "retry", f"{exc.reason}; next attempt in {delay:.1f}s"


def _fail(intent: PushIntent, reason: str) -> tuple[str, str]:
    intent.state, intent.last_error = IntentState.failed, reason
    log.warning("comment %s could not be written to %s: %s", intent.record_id,
                intent.connector_id, reason)
    return "failed", reason
