"""The dashboard's feeds and tables that the API has no single call for: the activity feed
with filters, workload per person, and names for the records conflicts and changes are about.
Each reads through the API's scope (`hub.query.scope`) and shows values as the policy says
(`hub.query.changes.shown_changes`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity, TaskStatus
from hub.query.changes import People, emails_in, shown_changes
from hub.query.scope import visible, visible_changes
from hub.store.canonical import Absence, Person, Project, Task, task_assignee
from hub.store.sync import AuditEntry, InboxItem

FEED = 100
_OPEN = (TaskStatus.done, TaskStatus.cancelled)


def names(session: Session, refs: list[tuple[str, str]]) -> dict[str, str]:
    """Record id -> its title or name, for tasks and projects among `refs` (entity, id)."""
    tasks = [rid for entity, rid in refs if entity == Entity.task.value]
    projects = [rid for entity, rid in refs if entity == Entity.project.value]
    out: dict[str, str] = {}
    if tasks:
        out.update({i: t for i, t in session.execute(
            select(Task.id, Task.title).where(Task.id.in_(tasks)))})
    if projects:
        out.update({i: n for i, n in session.execute(
            select(Project.id, Project.name).where(Project.id.in_(projects)))})
    return out


def titled(session: Session, conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conflicts with the title of the record each is about."""
    found = names(session, [(c["entity"], c["record_id"]) for c in conflicts])
    return [{**c, "title": found.get(c["record_id"], c["record_id"])} for c in conflicts]


def describe(session: Session, principal: Principal,
             changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The overview's latest changes with the title of each record."""
    found = names(session, [(c["entity"], c["record_id"]) for c in changes])
    return [{**c, "title": found.get(c["record_id"], c["record_id"])} for c in changes]


def activity(session: Session, principal: Principal, *, person: str = "", tool: str = "",
             project: str = "", field: str = "") -> list[dict[str, Any]]:
    """The newest audit entries the principal may follow, as it may see them, filtered by who
    made them (`person`: part of the source's name), the tool (a connector id), the project
    (key or id: the project and its tasks) and a field that changed."""
    query = select(AuditEntry).where(visible_changes(principal))
    if tool:
        query = query.where(AuditEntry.source == tool)
    if person:
        query = query.where(AuditEntry.source.contains(person, autoescape=True))
    if project:
        project_ids = select(Project.id).where(or_(Project.id == project, Project.key == project),
                                               visible(Entity.project, principal))
        query = query.where(or_(
            (AuditEntry.entity == Entity.project) & AuditEntry.record_id.in_(project_ids),
            (AuditEntry.entity == Entity.task) & AuditEntry.record_id.in_(
                select(Task.id).where(Task.project_id.in_(project_ids)))))
    out: list[dict[str, Any]] = []
    offset = 0
    while len(out) < FEED and offset < FEED * 10:
        batch = list(session.scalars(query.order_by(AuditEntry.id.desc())
                                     .offset(offset).limit(FEED)))
        offset += FEED
        people = People(session, principal, emails_in(batch))
        for e in batch:
            changes = shown_changes(principal, e.entity, e.action, e.changes, people)
            if changes is None or (field and field not in changes):
                continue
            out.append({"id": e.id, "entity": e.entity.value, "record_id": e.record_id,
                        "action": e.action, "changes": changes, "source": e.source,
                        "who": _who(e), "at": to_json(e.at)})
        if len(batch) < FEED:
            break
    found = names(session, [(e["entity"], e["record_id"]) for e in out])
    return [{**e, "title": found.get(e["record_id"], e["record_id"])} for e in out[:FEED]]


def _who(entry: AuditEntry) -> str:
    """Who made a change: a person vouched for by single sign-on by name, else the source."""
    name = entry.actor.get("name") if isinstance(entry.actor, dict) else None
    return f"{name} ({entry.source.partition('#')[0]})" if name else entry.source


def workload(session: Session, principal: Principal, today: date) -> list[dict[str, Any]]:
    """Per person with open tasks the principal sees: open, due this week, due next week,
    overdue, and their absences in the next two weeks (where it reads absences)."""
    week_end = today + timedelta(days=6 - today.weekday())
    next_end = week_end + timedelta(days=7)
    rows = session.execute(
        select(Person.id, Person.display_name, Person.department, Task.due_date)
        .join(task_assignee, task_assignee.c.person_id == Person.id)
        .join(Task, Task.id == task_assignee.c.task_id)
        .where(Task.deleted_at.is_(None), Task.status.not_in(_OPEN),
               visible(Entity.task, principal), visible(Entity.person, principal))).all()
    shows_department = policy.may_read(principal, Entity.person, "department")
    people: dict[str, dict[str, Any]] = {}
    for pid, name, department, due in rows:
        entry = people.setdefault(pid, {"id": pid, "name": name, "open": 0, "this_week": 0,
                                        "next_week": 0, "overdue": 0, "absences": [],
                                        "department": department if shows_department else None})
        entry["open"] += 1
        if due is not None:
            entry["overdue"] += due < today
            entry["this_week"] += today <= due <= week_end
            entry["next_week"] += week_end < due <= next_end
    if people and policy.entity_view(principal, Entity.absence) is not None:
        for pid, start, end, kind in session.execute(
                select(Absence.person_id, Absence.start, Absence.end, Absence.kind).where(
                    Absence.person_id.in_(list(people)), Absence.end >= today,
                    Absence.start <= next_end, Absence.deleted_at.is_(None),
                    visible(Entity.absence, principal)).order_by(Absence.start)):
            people[pid]["absences"].append({"start": start, "end": end, "kind": kind.value})
    by_department: dict[str, int] = defaultdict(int)
    for entry in people.values():
        by_department[entry["department"] or "—"] += entry["open"]
        # over-allocated: more due this week than working days left, or away while due
        entry["over"] = entry["this_week"] > max(1, 5 - min(today.weekday(), 4)) \
            or (bool(entry["absences"]) and entry["this_week"] + entry["next_week"] > 0)
    return sorted(people.values(), key=lambda e: (-e["open"], e["name"]))


def last_webhooks(session: Session) -> dict[str, Any]:
    """Connector id -> when its last webhook delivery came in."""
    return {cid: at for cid, at in session.execute(
        select(InboxItem.connector_id, func.max(InboxItem.received_at))
        .group_by(InboxItem.connector_id))}
