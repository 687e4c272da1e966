"""Which tools a comment goes to, and the push intents that take it there.

A comment goes from the tool it was written in (its source) to every other tool that holds
its task and takes comments, as the `comments:` config says for the task's project. An
internal comment (restricted in its tool, or from a tool whose comments stay in-house) goes
nowhere. Edits and deletes go to every tool holding a copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.sdk.comments import CommentVerbs
from hub.store.canonical import Task
from hub.store.comments import Comment
from hub.store.sync import IntentState, Link, PushIntent
from hub.sync.runtime import Runtime


def comment_connectors(rt: Runtime) -> list[str]:
    """The running connectors whose tools have comments (and the config lets take part)."""
    if not rt.config.comments.enabled:
        return []
    return [cid for cid, c in rt.connectors.items()
            if isinstance(c, CommentVerbs) and rt.config.comments.direction(cid) != "none"]


def task_links(session: Session, task_id: str) -> dict[str, Link]:
    """The task's live links, by connector."""
    return {link.connector_id: link for link in session.scalars(select(Link).where(
        Link.entity == Entity.task, Link.record_id == task_id, Link.deleted_at.is_(None)))}


def wanted_in(rt: Runtime, comment: Comment, task: Task, connector_id: str) -> bool:
    """Whether `connector_id` is to show `comment` (a copy written by the hub)."""
    settings = rt.config.comments
    project = task.project.key if task.project else None
    return (connector_id != comment.source and not comment.internal
            and settings.sends(comment.source, project)
            and settings.receives(connector_id, project))


def queue_pushes(rt: Runtime, session: Session, comment: Comment, task: Task, now: datetime,
                 changed_in: str | None = None) -> int:
    """Intents for every tool that must learn of `comment` (a new copy, an edit, a delete),
    except `changed_in`, where the change was read. Returns how many were (re)queued."""
    holders = {link.connector_id: link for link in session.scalars(select(Link).where(
        Link.entity == Entity.comment, Link.record_id == comment.id))}
    tasks = task_links(session, task.id)
    queued = 0
    for connector_id in comment_connectors(rt):
        if connector_id == changed_in or connector_id not in tasks:
            continue
        link = holders.get(connector_id)
        if link is not None and link.deleted_at is not None:
            continue  # the tool deleted its copy: it is not written there again
        if link is None:
            needed = comment.deleted_at is None and wanted_in(rt, comment, task, connector_id)
        else:
            needed = comment.deleted_at is not None or \
                (connector_id != comment.source and (link.shadow or {}).get("body")
                 != comment.body)
        if needed:
            queued += _upsert(session, comment.id, connector_id, link.id if link else None,
                              now)
    return queued


def missing_here(rt: Runtime, session: Session, connector_id: str, task: Task,
                 links: dict[str, Link], now: datetime) -> int:
    """Intents for the task's comments this tool is to show and has no copy of yet (the task
    was linked to it after they were written)."""
    if connector_id not in comment_connectors(rt):
        return 0
    have = {link.record_id for link in links.values()}
    queued = 0
    for comment in session.scalars(select(Comment).where(
            Comment.task_id == task.id, Comment.deleted_at.is_(None))):
        if comment.id not in have and wanted_in(rt, comment, task, connector_id):
            queued += _upsert(session, comment.id, connector_id, None, now, reopen=False)
    return queued


def _upsert(session: Session, comment_id: str, connector_id: str, link_id: str | None,
            now: datetime, reopen: bool = True) -> int:
    intent = session.scalars(select(PushIntent).where(
        PushIntent.entity == Entity.comment, PushIntent.record_id == comment_id,
        PushIntent.connector_id == connector_id)).first()
    if intent is None:
        session.add(PushIntent(connector_id=connector_id, entity=Entity.comment,
                               record_id=comment_id, link_id=link_id, create=link_id is None,
                               attempts=0, next_attempt_at=now, state=IntentState.pending))
        return 1
    if intent.state is not IntentState.pending and (reopen or intent.state is IntentState.done):
        # A done intent with no copy behind it (the copy was never made): try again. A failed
        # one waits for a change of the comment, not for every read of its thread.
        intent.state, intent.attempts, intent.next_attempt_at = IntentState.pending, 0, now
        intent.link_id = link_id or intent.link_id
        return 1
    return 0
