"""The partner portal: a partner sees its shared projects' progress and its requests, and
sends a request (a change request, an issue, a delivery report with a document link). The
request becomes a canonical task in the shared project, labelled as the partner's, and a
create goes to the tool the config names (`portal.requests_to`); the partner follows the
task's status here as the tool moves it.

Everything a partner sends is checked (fields, lengths, an http(s) link, a project shared with
it) and rate-limited per partner, from the database (so every API process counts the same)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.config.models import HubConfig
from hub.model.enums import Entity, TaskStatus
from hub.model.text import NO_NUL
from hub.query.params import NOT_BLANK
from hub.query.scope import visible
from hub.store.auth import Role
from hub.store.canonical import Project, Task
from hub.store.sync import AuditEntry, IntentState, PushIntent
from hub.sync.runtime import Runtime

KINDS = {"change_request": "Change request", "issue": "Issue",
         "delivery_report": "Delivery report"}
WINDOW = timedelta(hours=1)


class PortalRefused(Exception):
    """A request the portal doesn't take; the message says why and what to do."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class PartnerRequest(BaseModel):
    """What the portal's form sends."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    project: str = Field(max_length=64, pattern=NO_NUL)
    kind: Literal["change_request", "issue", "delivery_report"]
    title: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)
    details: str = Field(default="", max_length=4000, pattern=NO_NUL)
    link: AnyHttpUrl | None = Field(default=None, description="a document (http or https)")


def label(principal: Principal) -> str:
    """The label a partner's requests carry in every tool."""
    return f"partner:{principal.partner}"


def requests_of(session: Session, principal: Principal) -> list[Task]:
    """The partner's requests (tasks labelled as its), newest first, in its shared projects."""
    if principal.role is not Role.partner:
        return []
    mine = cast(Task.labels, String).contains(f'"{label(principal)}"', autoescape=True)
    return list(session.scalars(select(Task).where(
        visible(Entity.task, principal), mine, Task.deleted_at.is_(None))
        .order_by(Task.created_at.desc()).limit(100)))


def submit(session: Session, rt: Runtime | None, config: HubConfig, principal: Principal,
           request: PartnerRequest, now: datetime, portal_url: str) -> Task:
    """Turn a partner's request into a task and queue its create in the configured tool; the
    caller commits. PortalRefused when the portal can't take it."""
    if principal.role is not Role.partner or not principal.partner:
        raise PortalRefused("Only a partner's sign-in sends requests through the portal.", 403)
    target = config.portal.requests_to
    if target is None or rt is None or target not in rt.connectors:
        raise PortalRefused("This hub takes no requests through the portal yet: its config "
                            "names no tool for them (portal.requests_to).", 503)
    project = session.scalars(select(Project).where(
        Project.key == request.project, visible(Entity.project, principal),
        Project.deleted_at.is_(None))).first()
    if project is None:
        raise PortalRefused(f"No shared project {request.project!r}.", 404)
    since = now - WINDOW
    sent = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == Entity.task, AuditEntry.action == "create",
        AuditEntry.source == principal.source, AuditEntry.at >= since)) or 0
    if sent >= config.portal.per_hour:
        raise PortalRefused(f"{principal.partner} sent {sent} requests in the last hour, the "
                            f"most the hub takes: send the next one after "
                            f"{(now + timedelta(minutes=5)).strftime('%H:%M')} UTC or ask "
                            "your contact.", 429)
    lines = [request.details] if request.details else []
    if request.link is not None:
        lines.append(f"Document: {request.link}")
    lines.append(f"{KINDS[request.kind]} from {principal.partner}, sent through the hub's "
                 f"portal: {portal_url}")
    values: dict[str, Any] = {
        "title": f"[{principal.partner}] {request.title}", "description": "\n\n".join(lines),
        "labels": [label(principal), f"request:{request.kind}"]}
    task = Task(project_id=project.id, status=TaskStatus.todo, custom={}, version=1,
                provenance={name: {"source": principal.source, "link": None,
                                   "at": now.isoformat(), "v": 1, "exact": True}
                            for name in values},
                created_at=now, updated_at=now, **values)
    session.add(task)
    session.flush()
    session.add(AuditEntry(entity=Entity.task, record_id=task.id, action="create",
                           changes=values, source=principal.source, at=now,
                           actor=principal.actor))
    session.add(PushIntent(connector_id=target, entity=Entity.task, record_id=task.id,
                           link_id=None, create=True, attempts=0, next_attempt_at=now,
                           state=IntentState.pending))
    return task
