"""A tool's comment thread on one task, read into canonical comments (one transaction).

Every comment is linked per tool with a shadow (the body that tool holds, in the hub's
terms), so the echo guard is the engine's usual one: what a tool reports back equal to its
shadow is no change. Comments the hub's account wrote carry an attribution line; one that
comes back unlinked (a crash between the post and its commit) is linked to the comment it
copies, and is never taken for a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.ids import new_id
from hub.model.enums import Entity
from hub.sdk.comments import RemoteComment
from hub.store.canonical import Task
from hub.store.comments import Comment
from hub.store.sync import AuditEntry, Link
from hub.sync.comments.targets import missing_here, queue_pushes
from hub.sync.comments.text import attachment_text, unattributed
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

COMMENT = "comment"  # the remote type of every comment link


@dataclass
class ThreadTally:
    """What reading threads did."""

    created: int = 0
    edited: int = 0
    deleted: int = 0
    linked: int = 0  # the hub's own comments found unlinked and linked again
    internal: int = 0  # restricted in their tool: kept there
    pushes: int = 0
    threads: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: ThreadTally) -> None:
        for name in ("created", "edited", "deleted", "linked", "internal", "pushes", "threads"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


def comment_links(session: Session, connector_id: str, task_id: str) -> dict[str, Link]:
    """The connector's comment links of one task's comments, by remote id (deleted too)."""
    return {link.remote_id: link for link in session.scalars(
        select(Link).join(Comment, Comment.id == Link.record_id).where(
            Link.connector_id == connector_id, Link.entity == Entity.comment,
            Comment.task_id == task_id))}


def canonical_body(comment: RemoteComment) -> str:
    """A remote comment's text in the hub's terms: without the hub's attribution line, and an
    attachment as its link."""
    if comment.kind == "attachment" and comment.attachments and not comment.body:
        return attachment_text(comment.attachments[0])
    return unattributed(comment.body) if comment.by_hub else comment.body


def _mentions(comment: RemoteComment) -> list[dict[str, Any]]:
    return [{"name": m.name, "email": m.email.strip().casefold() if m.email else None}
            for m in comment.mentions]


class Thread:
    """Reads one tool's thread of one task into the hub, in the caller's transaction."""

    def __init__(self, rt: Runtime, session: Session, connector_id: str, task_link: Link,
                 delivery: str, now: datetime) -> None:
        self.rt, self.session, self.connector_id = rt, session, connector_id
        self.task_link, self.delivery, self.now = task_link, delivery, now
        self.store = RecordStore(session)
        self.tally = ThreadTally(threads=1)

    def run(self, remote: Sequence[RemoteComment], complete: bool = True) -> ThreadTally:
        """Take the thread; with `complete`, a linked comment missing from it was deleted."""
        task = self.session.get(Task, self.task_link.record_id)
        if task is None or task.deleted_at is not None:
            return self.tally
        settings = self.rt.config.comments
        project = task.project.key if task.project else None
        links = comment_links(self.session, self.connector_id, task.id)
        touched: list[Comment] = []
        for item in remote:
            if item.kind == "attachment" and not settings.attachments:
                continue
            link = links.get(item.remote_id)
            if link is None:
                made = self._adopt(task, item, links) if item.by_hub else \
                    self._create(task, project, item, links)
                if made is not None:
                    touched.append(made)
            elif link.deleted_at is None and (edited := self._edit(link, item)) is not None:
                touched.append(edited)
        if complete:
            present = {item.remote_id for item in remote}
            for remote_id, link in links.items():
                if remote_id not in present and link.deleted_at is None and \
                        (gone := self._deleted(link)) is not None:
                    touched.append(gone)
        for comment in touched:
            self.tally.pushes += queue_pushes(self.rt, self.session, comment, task, self.now,
                                              changed_in=self.connector_id)
        self.tally.pushes += missing_here(self.rt, self.session, self.connector_id, task,
                                          links, self.now)
        return self.tally

    # -- what a tool can say about a comment ---------------------------------------------------
    def _create(self, task: Task, project: str | None, item: RemoteComment,
                links: dict[str, Link]) -> Comment | None:
        settings = self.rt.config.comments
        existing = self.session.scalars(select(Comment).where(
            Comment.source == self.connector_id,
            Comment.source_remote_id == item.remote_id)).first()
        if existing is not None:  # seen before on another task (moved): it stays one comment
            return None
        body = canonical_body(item)
        email = item.author_email.strip().casefold() if item.author_email else None
        author = self.store.person(email) if email else None
        internal = item.restricted or not settings.sends(self.connector_id, project)
        comment = Comment(
            id=new_id(), task_id=task.id, author=author,
            author_name=(item.author_name or (author.display_name if author else None)),
            body=body, mentions=_mentions(item),
            attachments=[{"name": a.name, "url": a.url, "size": a.size, "type": a.media_type}
                         for a in item.attachments],
            kind=item.kind, written_at=item.written_at or self.now, edited_at=item.edited_at,
            source=self.connector_id, source_remote_id=item.remote_id, internal=internal,
            custom={"restricted": True} if item.restricted else {},
            provenance={"*": {"source": self.connector_id, "at": _iso(item.written_at),
                              "v": 1}}, version=1)
        self.session.add(comment)
        link = self._link(comment.id, item, body)
        links[item.remote_id] = link
        self._audit(comment.id, "create", {"body": {"old": None, "new": body}}, link.id)
        self.tally.created += 1
        self.tally.internal += int(internal)
        return comment

    def _adopt(self, task: Task, item: RemoteComment,
               links: dict[str, Link]) -> Comment | None:
        """The hub's own comment, not linked: the copy of a comment on this task whose push
        did not commit. Linked to it; never read as a new comment."""
        body = canonical_body(item)
        linked = {link.record_id for link in links.values()}
        for comment in self.session.scalars(select(Comment).where(
                Comment.task_id == task.id, Comment.source != self.connector_id,
                Comment.body == body).order_by(Comment.written_at)):
            if comment.id not in linked:
                links[item.remote_id] = self._link(comment.id, item, body)
                self.tally.linked += 1
                return None
        return None

    def _edit(self, link: Link, item: RemoteComment) -> Comment | None:
        body = canonical_body(item)
        shadow = dict(link.shadow or {})
        if shadow.get("body") == body:
            return None  # what the tool holds already: an echo, or nothing new
        link.shadow = {**shadow, "body": body}
        link.remote_updated_at = item.edited_at or link.remote_updated_at
        comment = self.session.get(Comment, link.record_id)
        if comment is None or comment.deleted_at is not None:
            return None
        if comment.source != self.connector_id or comment.body == body:
            # A copy changed in a tool that is not the author's: the author's text stands,
            # and the copy is written again (the push sees its shadow differ).
            return comment
        old = comment.body
        comment.body, comment.mentions = body, _mentions(item)
        comment.edited_at = item.edited_at or self.now
        comment.version += 1
        self._audit(comment.id, "update", {"body": {"old": old, "new": body}}, link.id)
        self.tally.edited += 1
        return comment

    def _deleted(self, link: Link) -> Comment | None:
        link.deleted_at = self.now
        comment = self.session.get(Comment, link.record_id)
        if comment is None or comment.deleted_at is not None:
            return None
        if self.rt.config.comments.deletes == "keep":
            # The others keep their copy; this tool is not written to again.
            comment.custom = {**(comment.custom or {}),
                              "deleted_in": sorted({*(comment.custom or {}).get(
                                  "deleted_in", []), self.connector_id})}
            return None
        comment.deleted_at = self.now
        comment.version += 1
        self._audit(comment.id, "delete", {}, link.id)
        self.tally.deleted += 1
        return comment

    # -- rows ------------------------------------------------------------------------------
    def _link(self, record_id: str, item: RemoteComment, body: str) -> Link:
        link = Link(id=new_id(), connector_id=self.connector_id, remote_type=COMMENT,
                    remote_id=item.remote_id, entity=Entity.comment, record_id=record_id,
                    shadow={"body": body}, url=item.url,
                    remote_updated_at=item.edited_at or item.written_at)
        self.session.add(link)
        return link

    def _audit(self, record_id: str, action: str, changes: dict[str, Any],
               link_id: str) -> None:
        self.session.add(AuditEntry(entity=Entity.comment, record_id=record_id, action=action,
                                    changes=changes, source=self.connector_id, link_id=link_id,
                                    delivery=self.delivery, at=self.now))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
