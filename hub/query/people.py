"""People the hub could not tie to an HR record: met only in the tools (a Jira assignee, an
Asana user, a spreadsheet owner) under an e-mail or id no HR record has. They are listed for a
person to resolve (fix the e-mail in the tool or in HR, or add an alias under `sync.aliases`),
never merged by guesswork such as a matching display name."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.model.enums import Entity, TaskStatus
from hub.store.canonical import Person, PersonEmail, Task, task_assignee
from hub.store.sync import Link

_CLOSED = (TaskStatus.done, TaskStatus.cancelled)


@dataclass
class Unresolved:
    """One person without an HR record, and where the hub met them."""

    id: str
    display_name: str
    emails: list[str]
    reason: str
    known_in: list[dict[str, Any]] = field(default_factory=list)
    open_tasks: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "display_name": self.display_name, "emails": self.emails,
                "reason": self.reason, "known_in": self.known_in, "open_tasks": self.open_tasks}


def unresolved_people(session: Session, hr_connectors: Collection[str],
                      limit: int = 1000) -> list[Unresolved]:
    """People (not deleted) that no HR connector's record is linked to, most assigned first."""
    hr = list(hr_connectors)
    linked_to_hr = select(Link.record_id).where(
        Link.entity == Entity.person, Link.connector_id.in_(hr), Link.deleted_at.is_(None))
    people = list(session.scalars(select(Person).where(
        Person.deleted_at.is_(None), Person.id.not_in(linked_to_hr)).order_by(Person.id)))
    if not people:
        return []
    ids = [p.id for p in people]
    emails: dict[str, list[str]] = {}
    for email, person_id in session.execute(select(PersonEmail.email, PersonEmail.person_id)
                                            .where(PersonEmail.person_id.in_(ids))):
        emails.setdefault(person_id, []).append(email)
    links: dict[str, list[dict[str, Any]]] = {}
    for link in session.scalars(select(Link).where(
            Link.entity == Entity.person, Link.record_id.in_(ids), Link.deleted_at.is_(None))):
        links.setdefault(link.record_id, []).append(
            {"connector": link.connector_id, "remote_type": link.remote_type,
             "remote_id": link.remote_id, "url": link.url})
    tasks: dict[str, int] = {person_id: count for person_id, count in session.execute(
        select(task_assignee.c.person_id, func.count())
        .join(Task, Task.id == task_assignee.c.task_id)
        .where(task_assignee.c.person_id.in_(ids), Task.deleted_at.is_(None),
               Task.status.not_in(_CLOSED))
        .group_by(task_assignee.c.person_id))}
    out = []
    for person in people:
        addresses = sorted(emails.get(person.id, []))
        if not hr:
            reason = "no HR connector is configured"
        elif not addresses:
            reason = "known by no e-mail (add its remote id under sync.aliases)"
        else:
            reason = "no HR record has this e-mail (fix it, or add an alias under sync.aliases)"
        out.append(Unresolved(person.id, person.display_name, addresses, reason,
                              sorted(links.get(person.id, []),
                                     key=lambda k: (k["connector"], k["remote_id"])),
                              int(tasks.get(person.id, 0))))
    out.sort(key=lambda u: (-u.open_tasks, u.display_name.casefold(), u.id))
    return out[:limit]
