"""The canonical tables keep what the tools send: assignees, dependencies, money, aware times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.model.enums import TaskStatus
from hub.model.schemas import BudgetLineSchema, PersonSchema, TaskSchema
from hub.store.tables import BudgetLine, Link, Person, PersonEmail, Project, Task


def test_task_with_assignees_and_blockers_round_trips(engine: Engine) -> None:
    done_at = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    with Session(engine) as session:
        ada = Person(display_name="Ada Lovelace", primary_email="ada@example.com",
                     emails=[PersonEmail(email="ada@example.com", is_primary=True)])
        project = Project(key="LAUNCH", name="Product launch")
        first = Task(title="Write spec", status=TaskStatus.done,
                     completed_at=done_at)
        session.add_all([ada, project, first])
        session.flush()
        second = Task(title="Build it", project_id=project.id, assignees=[ada],
                      blocked_by=[first], due_date=date(2026, 12, 1), labels=["backend"])
        session.add(second)
        session.commit()
        ids = (second.id, first.id)

    with Session(engine) as session:
        task = session.get_one(Task, ids[0])
        view = TaskSchema.model_validate(task)
        done = session.get_one(Task, ids[1])
        person = PersonSchema.model_validate(session.scalars(select(Person)).one())

    assert [a.display_name for a in view.assignees] == ["Ada Lovelace"]
    assert view.blocked_by == [ids[1]]
    assert view.labels == ["backend"]
    assert view.due_date == date(2026, 12, 1)
    assert done.completed_at == done_at  # stays timezone-aware, on SQLite too
    assert person.emails == ["ada@example.com"]


def test_budget_amounts_are_exact(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(BudgetLine(cost_center="4711", period="2026-Q4", currency="EUR",
                               planned=Decimal("1234567.89"), approved=Decimal("0.10")))
        session.commit()
    with Session(engine) as session:
        line = BudgetLineSchema.model_validate(session.scalars(select(BudgetLine)).one())
    assert line.planned == Decimal("1234567.89")
    assert line.approved == Decimal("0.10")


def test_a_remote_object_links_to_one_record_only(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Link(connector_id="rd-jira", remote_type="issue", remote_id="10001",
                         entity="task", record_id="A" * 26))
        session.commit()
        session.add(Link(connector_id="rd-jira", remote_type="issue", remote_id="10001",
                         entity="task", record_id="B" * 26))
        with pytest.raises(IntegrityError):
            session.commit()
