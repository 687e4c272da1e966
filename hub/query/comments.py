"""A task's comment thread as a principal may read it: the task must be visible to it, and
each comment too (`hub.query.scope`: a partner reads only comments on shared tasks, none
internal); fields as `hub.auth.policy` says (mentions without e-mails for whoever can't read
e-mails)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.query.records import NotFound
from hub.query.related import source_refs
from hub.query.scope import visible
from hub.store.canonical import Task
from hub.store.comments import Comment
from hub.store.sync import Link


def task_comments(session: Session, principal: Principal, task_id: str,
                  kinds: Mapping[str, str], include_deleted: bool = False) -> list[dict[str, Any]]:
    """The comments on task `task_id`, oldest first; `NotFound` when the task is not one the
    principal may know exists."""
    task = session.scalar(select(Task.id).where(Task.id == task_id, Task.deleted_at.is_(None),
                                                visible(Entity.task, principal)))
    if task is None or policy.entity_view(principal, Entity.comment) is None:
        raise NotFound(Entity.task, task_id)
    query = select(Comment).where(Comment.task_id == task_id,
                                  visible(Entity.comment, principal))
    if not include_deleted:
        query = query.where(Comment.deleted_at.is_(None))
    comments = list(session.scalars(query.order_by(Comment.written_at, Comment.id)))
    copies: dict[str, list[list[Any]]] = {}
    if comments and policy.may_read(principal, Entity.comment, "sources"):
        for link in session.scalars(select(Link).where(
                Link.entity == Entity.comment, Link.record_id.in_([c.id for c in comments]),
                Link.deleted_at.is_(None)).order_by(Link.created_at)):
            copies.setdefault(link.record_id, []).append(
                [link.connector_id, link.remote_type, link.remote_id, link.url])
    fields = policy.readable_fields(principal, Entity.comment)
    emails = policy.may_read(principal, Entity.person, "emails")
    out = []
    for comment in comments:
        item: dict[str, Any] = {name: to_json(getattr(comment, name)) for name in fields}
        if "author_id" in fields:
            item["author"] = {"id": comment.author.id, "display_name":
                              comment.author.display_name} if comment.author else None
        if "mentions" in item and not emails:
            item["mentions"] = [{"name": m.get("name")} for m in comment.mentions or []]
        item["origin"] = {"connector": comment.source, "kind": kinds.get(comment.source)}
        if comment.id in copies:
            item["sources"] = source_refs(copies[comment.id], kinds)
        out.append(item)
    return out
