"""Derived fields (hub.sync.derive): the change set rules see, how their values are applied
(provenance, audit, version, no-ops), rules feeding rules, and the budget gate's semantics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.model.enums import BudgetStatus, Entity
from hub.store.canonical import BudgetLine, Project, Task
from hub.store.sync import AuditEntry
from hub.sync import derive
from hub.sync.derive import ChangeSet, DeriveContext, Rule
from hub.sync.edits import apply_edit
from hub.sync.rules.budget_status import statuses

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_change_set_filters_by_field_and_keeps_the_first_old_value() -> None:
    changes = ChangeSet()
    changes.changed(Entity.task, "t1", ["title"], {"title": "a"})
    changes.changed(Entity.task, "t1", ["title"], {"title": "b"})
    changes.changed(Entity.task, "t2", ["status"])
    changes.created(Entity.task, "t3")
    changes.deleted(Entity.task, "t4")
    assert changes.ids(Entity.task, {"title"}) == {"t1", "t3", "t4"}
    assert changes.ids(Entity.task) == {"t1", "t2", "t3", "t4"}
    assert changes.ids(Entity.person) == set()
    assert changes.old(Entity.task, "t1", "title") == "a"
    assert changes.was_created(Entity.task, "t3")
    assert changes.was_deleted(Entity.task, "t4")
    assert not ChangeSet()


@pytest.mark.parametrize(("lines", "gate"), [
    ([], BudgetStatus.unknown),
    ([("approved", "100", "50", "EUR")], BudgetStatus.approved),
    ([("approved", "100", "50", "EUR"), ("pending", None, None, "EUR")], BudgetStatus.pending),
    ([("approved", "100", "150", "EUR"), ("pending", None, None, "EUR")],
     BudgetStatus.over_budget),
    ([("approved", "100", "60", "EUR"), ("approved", "100", "150", "EUR")],
     BudgetStatus.over_budget),  # summed over the project: 210 of 200
    ([("approved", "100", "150", "EUR"), ("approved", "100", "10", "EUR")],
     BudgetStatus.approved),
    ([("approved", "100", "150", "EUR"), ("rejected", None, None, "EUR")],
     BudgetStatus.rejected),
    ([("approved", "100", "90", "EUR"), ("approved", "100", "120", "USD")],
     BudgetStatus.over_budget),  # currencies are not added up
])
def test_budget_gate(lines: list[tuple[str, str | None, str | None, str]],
                     gate: BudgetStatus) -> None:
    assert statuses([(s, Decimal(a) if a else None, Decimal(c) if c else None, cur)
                     for s, a, c, cur in lines]) == gate


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def shout() -> Iterator[Rule]:
    """A test rule: a project's description says its name in capitals."""
    def run(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
        ids = ctx.changes.ids(Entity.project, {"name"})
        return {p.id: {"description": p.name.upper()}
                for p in ctx.session.scalars(select(Project).where(Project.id.in_(ids)))}
    rule = Rule("shout", Entity.project, ("description",), {Entity.project: ("name",)}, run)
    derive.register(rule)
    yield rule
    derive.unregister("shout")


def _project(session: Session, key: str, **values: Any) -> Project:
    project = Project(id=f"P{key}".ljust(26, "0"), key=key, name=values.pop("name", key),
                      custom={}, provenance={}, version=1, **values)
    session.add(project)
    session.flush()
    return project


def test_rules_apply_with_provenance_and_audit_and_no_ops_change_nothing(
        session: Session, shout: Rule) -> None:
    project = _project(session, "RD", name="Atlas")
    changes = ChangeSet()
    changes.changed(Entity.project, project.id, ["name"])
    assert derive.run(None, session, changes, NOW) == 1
    assert project.description == "ATLAS"
    assert project.version == 2
    assert project.provenance["description"]["source"] == "derive:shout"
    audit = session.scalars(select(AuditEntry)).one()
    assert audit.changes == {"description": {"old": None, "new": "ATLAS"}}
    assert audit.source == "derive:shout"
    assert derive.run(None, session, changes, NOW) == 0  # already so: nothing
    assert project.version == 2
    other = ChangeSet()
    other.changed(Entity.project, project.id, ["status"])
    assert derive.run(None, session, other, NOW) == 0  # not watched


def test_a_rule_may_only_set_its_fields(session: Session) -> None:
    project = _project(session, "RD")
    rule = Rule("sloppy", Entity.project, ("description",), {Entity.project: None},
                lambda ctx: {project.id: {"name": "x"}})
    derive.register(rule)
    try:
        changes = ChangeSet()
        changes.changed(Entity.project, project.id, ["name"])
        with pytest.raises(ValueError, match="not among its `sets`"):
            derive.run(None, session, changes, NOW)
    finally:
        derive.unregister("sloppy")


def test_a_name_is_registered_once() -> None:
    rule = derive.rules()[0]
    with pytest.raises(ValueError, match="already registered"):
        derive.register(Rule(rule.name, rule.target, rule.sets, rule.watches, rule.derive))


def test_budget_lines_gate_their_project_and_the_gate_reaches_its_tasks(
        session: Session) -> None:
    rd = _project(session, "RD")
    task = Task(id="T1".ljust(26, "0"), title="Prototype", project_id=rd.id, custom={},
                provenance={}, version=1)
    line = BudgetLine(id="B1".ljust(26, "0"), project_id=rd.id, approval_status="rejected",
                      currency="EUR", custom={}, provenance={}, version=1)
    session.add_all([task, line])
    session.flush()
    changes = ChangeSet()
    changes.created(Entity.budget_line, line.id)
    # the project, then its task: its copy of the gate, and its budget_rejected risk
    assert derive.run(None, session, changes, NOW) == 3
    assert task.risks == ["budget_rejected"]
    assert rd.budget_status == BudgetStatus.rejected
    assert task.custom == {"budget_status": "rejected"}
    # The line moves to another project: both are recomputed.
    launch = _project(session, "LAUNCH")
    line.project_id = launch.id
    session.flush()
    moved = ChangeSet()
    moved.changed(Entity.budget_line, line.id, ["project"], {"project": "RD"})
    derive.run(None, session, moved, NOW)
    assert (rd.budget_status, launch.budget_status) == (BudgetStatus.unknown,
                                                        BudgetStatus.rejected)
    assert task.custom == {}


def test_an_api_edit_runs_the_rules(session: Session) -> None:
    rd = _project(session, "RD", budget_status=BudgetStatus.approved)
    task = Task(id="T1".ljust(26, "0"), title="Prototype", custom={}, provenance={}, version=1)
    session.add(task)
    session.flush()
    apply_edit(session, None, Entity.task, task.id, {"project": "RD"}, expected_version=1,
               source="api:test", now=NOW)
    assert rd.key == "RD"
    assert task.custom == {"budget_status": "approved"}
