"""A small hub for API tests: two departments' projects with tasks, people, absences, budget
lines, links into a fake tool, conflicts, changes and sync troubles, and one token per role.

`R&D` owns project RD (shared with partner Acme); `Marketing` owns MK. Everything named `rd_*`
is in scope for the R&D department and the partner; `mk_*` is out of their scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.auth.tokens import create_token
from hub.model.enums import Entity, TaskStatus
from hub.store.auth import Role
from hub.store.canonical import (
    Absence,
    BudgetLine,
    Person,
    PersonEmail,
    Project,
    RecordMixin,
    Task,
)
from hub.store.sync import (
    AuditEntry,
    Conflict,
    IntentState,
    Link,
    PushIntent,
    PushRefusal,
    QuarantineItem,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


@dataclass
class World:
    """Ids of what was seeded, and a secret per role."""

    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def _person(session: Session, name: str, email: str, department: str) -> Person:
    person = Person(display_name=name, primary_email=email, department=department,
                    custom={"badge": f"{name}-badge"}, provenance={}, version=1)
    person.emails = [PersonEmail(email=email, is_primary=True)]
    session.add(person)
    return person


def seed(engine: Engine) -> World:
    """Seed the world and create one token per role (partner: Acme, sharing RD)."""
    world = World()
    with Session(engine) as session:
        alice = _person(session, "Alice Rivera", "alice@example.com", "R&D")
        bob = _person(session, "Bob Marsh", "bob@example.com", "Marketing")
        rd = Project(key="RD", name="Rover drive", department="R&D", owner=alice,
                     due_date=date(2026, 12, 1), custom={}, version=1,
                     provenance={"*": {"source": "a", "at": NOW.isoformat(), "v": 1}})
        mk = Project(key="MK", name="Market kickoff", department="Marketing", owner=bob,
                     due_date=date(2026, 12, 1), custom={}, provenance={}, version=1)
        session.add_all([rd, mk])
        session.flush()
        tasks = {
            "rd_task": Task(project=rd, title="Design gearbox", status=TaskStatus.in_progress,
                            due_date=date(2026, 10, 1), assignees=[alice]),
            "rd_done": Task(project=rd, title="Pick motor", status=TaskStatus.done,
                            due_date=date(2026, 10, 15), assignees=[alice]),
            "mk_task": Task(project=mk, title="Draft campaign", status=TaskStatus.todo,
                            due_date=date(2026, 10, 1), assignees=[bob]),
        }
        for task in tasks.values():
            task.custom, task.provenance, task.version = {}, {}, 1
        session.add_all(tasks.values())
        absences = {
            "rd_absence": Absence(person=alice, start=date(2026, 11, 10),
                                  end=date(2026, 11, 14)),
            "mk_absence": Absence(person=bob, start=date(2026, 11, 10), end=date(2026, 11, 12)),
        }
        budgets = {
            "rd_budget": BudgetLine(project=rd, currency="EUR", approved=Decimal("1000"),
                                    actual=Decimal("400.50"), period="2026-Q4"),
            "mk_budget": BudgetLine(project=mk, currency="EUR", approved=Decimal("5000"),
                                    actual=Decimal("100"), period="2026-Q4"),
        }
        records: list[RecordMixin] = [*absences.values(), *budgets.values()]
        for record in records:
            record.custom, record.provenance, record.version = {}, {}, 1
        session.add_all(records)
        session.flush()
        world.ids.update({"rd_project": rd.id, "mk_project": mk.id, "rd_person": alice.id,
                          "mk_person": bob.id})
        world.ids.update({k: v.id for k, v in tasks.items()})
        world.ids.update({k: v.id for k, v in absences.items()})
        world.ids.update({k: v.id for k, v in budgets.items()})
        for scope, task in (("rd", tasks["rd_task"]), ("mk", tasks["mk_task"])):
            link = Link(connector_id="a", remote_type="item", remote_id=f"{scope}-remote",
                        entity=Entity.task, record_id=task.id, shadow={},
                        url=f"https://a.example/{scope}-remote")
            session.add(link)
            session.flush()
            conflict = Conflict(entity=Entity.task, record_id=task.id, field="status",
                                base="todo", policy="manual", candidates=[
                                    {"source": "a", "value": "done", "at": NOW.isoformat()},
                                    {"source": "b", "value": "blocked", "at": NOW.isoformat()}])
            session.add(conflict)
            session.flush()
            world.ids[f"{scope}_conflict"] = conflict.id
            session.add(AuditEntry(entity=Entity.task, record_id=task.id, action="update",
                                   changes={"title": {"old": "x", "new": task.title},
                                            "assignees": {"old": [], "new": [
                                                task.assignees[0].primary_email]}},
                                   source="a", link_id=link.id, at=NOW))
            session.add(PushIntent(connector_id="a", entity=Entity.task, record_id=task.id,
                                   link_id=link.id, state=IntentState.failed,
                                   last_error=f"a: transition refused for {scope}"))
        session.add(PushRefusal(connector_id="b", entity=Entity.task,
                                record_id=tasks["rd_task"].id, field="status",
                                remote_path="fields.status", value="blocked",
                                reason="b: no workflow path from Done to 'Blocked'",
                                refused_at=NOW, last_refused_at=NOW,
                                retry_at=NOW + timedelta(hours=1)))
        session.add(QuarantineItem(connector_id="a", remote_type="item", remote_id="bad-1",
                                   reason="status: \"Weird\" is not in the value map",
                                   payload={"id": "bad-1"}))
        for role in Role:
            new = create_token(session, role, NOW, name=f"{role.value}-token",
                               department="R&D" if role is Role.department else None,
                               partner="Acme" if role is Role.partner else None,
                               projects=["RD"] if role is Role.partner else ())
            world.tokens[role.value] = new.secret
        session.commit()
    return world
