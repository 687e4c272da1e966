"""Which records a principal may know exist, as SQL conditions: every list, count, get and feed
goes through these, so a record out of scope is never read, let alone returned. Which fields of
them it reads is `hub.auth.policy`'s part of the same policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from hub.auth import policy
from hub.auth.principal import Principal
from hub.model.enums import Entity
from hub.store.auth import Role
from hub.store.canonical import (
    Absence,
    Account,
    BudgetLine,
    Opportunity,
    Person,
    Project,
    Task,
    task_assignee,
)
from hub.store.comments import Comment
from hub.store.sync import AuditEntry
from hub.store.tables import RECORD_TABLES


def visible(entity: Entity, principal: Principal) -> ColumnElement[bool]:
    """The records of `entity` the principal may know exist."""
    if principal.sees_everything:
        return true()
    if principal.role is Role.department:
        return _department(entity, principal.department or "")
    if principal.role is Role.partner:
        return _partner(entity, list(principal.projects))
    return false()


def _department(entity: Entity, department: str) -> ColumnElement[bool]:
    projects = select(Project.id).where(Project.department == department)
    if entity is Entity.project:
        return Project.department == department
    if entity is Entity.task:
        return Task.project_id.in_(projects)
    if entity is Entity.budget_line:
        return BudgetLine.project_id.in_(projects)
    if entity is Entity.person:
        return Person.department == department
    if entity is Entity.comment:
        return Comment.task_id.in_(select(Task.id).where(Task.project_id.in_(projects)))
    if entity is Entity.account:
        return Account.department == department
    if entity is Entity.opportunity:
        return Opportunity.department == department
    return Absence.person_id.in_(select(Person.id).where(Person.department == department))


def _partner(entity: Entity, keys: list[str]) -> ColumnElement[bool]:
    projects = select(Project.id).where(Project.key.in_(keys))
    if entity is Entity.project:
        return Project.key.in_(keys)
    if entity is Entity.task:
        return Task.project_id.in_(projects)
    if entity is Entity.person:
        # The people a partner meets in what is shared: owners and assignees, by name only.
        owners = select(Project.owner_id).where(Project.key.in_(keys),
                                                Project.owner_id.is_not(None))
        assignees = select(task_assignee.c.person_id).join(
            Task, Task.id == task_assignee.c.task_id).where(Task.project_id.in_(projects))
        return or_(Person.id.in_(owners), Person.id.in_(assignees))
    if entity is Entity.comment:  # on shared tasks, and none kept internal
        return Comment.task_id.in_(select(Task.id).where(Task.project_id.in_(projects))) \
            & Comment.internal.is_(False)
    # CRM records only through a shared project that links to them.
    if entity is Entity.opportunity:
        return Opportunity.project_id.in_(projects)
    if entity is Entity.account:
        return Account.id.in_(select(Opportunity.account_id).where(
            Opportunity.project_id.in_(projects), Opportunity.account_id.is_not(None)))
    return false()  # budgets and absences are not shared with partners


def visible_refs(entity_column: Any, record_column: Any, principal: Principal,
                 entities: Iterable[Entity] | None = None) -> ColumnElement[bool]:
    """Rows about a record (audit entries, conflicts) whose record the principal may see, of
    `entities` (default: those it reads at all, `hub.auth.policy.readable_entities`)."""
    entities = policy.readable_entities(principal) if entities is None else tuple(entities)
    if principal.sees_everything and set(entities) == set(Entity):
        return true()
    return or_(false(), *[
        (entity_column == entity) & record_column.in_(
            select(RECORD_TABLES[entity].id).where(visible(entity, principal)))
        for entity in entities])


def visible_changes(principal: Principal) -> ColumnElement[bool]:
    """The audit entries of records the principal may see, of entities whose changes it may
    follow (`hub.auth.policy.may_follow`: a partner's feed has no people)."""
    return visible_refs(AuditEntry.entity, AuditEntry.record_id, principal,
                        [e for e in Entity if policy.may_follow(principal, e)])
