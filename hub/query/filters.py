"""Per entity: the keys it sorts by and the filters managers ask for, as SQL conditions; each
filter and key only where the caller's role reads what it looks at (`hub.auth.policy`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    cast,
    func,
    inspect,
    or_,
    select,
    union,
)

from hub.auth import policy
from hub.auth.principal import Principal
from hub.model.enums import (
    AbsenceKind,
    AbsenceStatus,
    ApprovalStatus,
    BudgetStatus,
    EmploymentStatus,
    Entity,
    OpportunityStatus,
    Priority,
    ProjectStatus,
    TaskStatus,
)
from hub.query import params as p
from hub.query.pagination import BadQuery, SortField, int_between
from hub.query.scope import visible
from hub.store.auth import Role
from hub.store.canonical import (
    Absence,
    Account,
    BudgetLine,
    Opportunity,
    Person,
    PersonEmail,
    Project,
    Task,
    task_assignee,
)
from hub.store.tables import RECORD_TABLES

E = TypeVar("E", bound=StrEnum)
_CLOSED = (TaskStatus.done, TaskStatus.cancelled)
_PROJECT_CLOSED = (ProjectStatus.done, ProjectStatus.cancelled)
#: priorities sort by rank, not by name
_PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3, "urgent": 4}


@cache
def sort_fields(entity: Entity) -> Mapping[str, SortField]:
    """The whitelisted sort keys of `entity` (built once: SQL expressions are immutable)."""
    columns = inspect(RECORD_TABLES[entity]).columns
    out = {"id": SortField.of(columns["id"])}
    for name in p.SORT_KEYS[entity]:
        if entity is Entity.task and name == "priority":
            out[name] = SortField(case(_PRIORITY_RANK, value=Task.priority), nullable=True,
                                  decode=int_between(1, len(_PRIORITY_RANK)))
            continue
        out[name] = SortField.of(columns[name])
    return out


def sortable(entity: Entity, principal: Principal) -> tuple[Mapping[str, SortField],
                                                             Mapping[str, str]]:
    """The sort keys `principal` may use on `entity`, and those it may not, with why: the order
    of a field would tell what the field holds. (The policy is the role's: built once each.)"""
    return _by_role(entity, principal.role)


@cache
def _by_role(entity: Entity, role: Role) -> tuple[Mapping[str, SortField], Mapping[str, str]]:
    allowed: dict[str, SortField] = {}
    hidden: dict[str, str] = {}
    for name, field in sort_fields(entity).items():
        if policy.may_sort(Principal("", role.value, role), entity, name):
            allowed[name] = field
        else:
            hidden[name] = f"a {role.value} token can't read it"
    return allowed, hidden



def one_of(text: str | None, enum: type[E], param: str) -> list[E]:
    """A comma-separated filter value as enum members; a BadQuery lists the allowed ones."""
    out: list[E] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(enum(part))
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            raise BadQuery(param, f"{part!r} is not one of: {allowed}") from None
    return out


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def person_ids(ref: str, principal: Principal | None = None) -> Any:
    """People by id or by any of their e-mails (case-insensitive); an e-mail finds only people
    whose e-mails `principal` may read, so a filter is no oracle for anyone else's address.

    A UNION, not an OR: each side is one index lookup, and the planner's estimate stays "a
    few people" (with an OR it expects many and walks every task in id order)."""
    by_email = select(PersonEmail.person_id).where(PersonEmail.email == ref.strip().casefold())
    if principal is not None and not principal.sees_everything:
        by_email = by_email.where(PersonEmail.person_id.in_(
            select(Person.id).where(visible(Entity.person, principal))))
    return union(select(Person.id).where(Person.id == ref), by_email)


def project_ids(refs: list[str]) -> Select[str]:
    """Projects by key or id."""
    return select(Project.id).where(or_(Project.key.in_(refs), Project.id.in_(refs)))


def _text(column: Any, q: str) -> ColumnElement[bool]:
    return func.lower(column).contains(q.lower(), autoescape=True)


def _due(column: Any, status: Any, closed: tuple[StrEnum, ...], params: p.DueParams,
         today: date) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if params.due_before is not None:
        out.append(column <= params.due_before)
    if params.due_after is not None:
        out.append(column >= params.due_after)
    if params.overdue is True:
        out += [column < today, status.not_in(closed)]
    elif params.overdue is False:
        out.append(or_(column.is_(None), column >= today, status.in_(closed)))
    return out


def check_filters(entity: Entity, params: p.ListParams, principal: Principal) -> None:
    """A BadQuery for the first filter the principal may not use (`hub.auth.policy`): one on a
    field it can't read, an e-mail where it can't read e-mails, a value it can't see."""
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        if name in p.PAGING or value == info.default:
            continue
        if policy.may_filter(principal, entity, name, value):
            continue
        role, noun = principal.role.value, NOUNS[entity]
        if name in policy.PERSON_FILTERS and policy.may_filter(principal, entity, name):
            message = f"a {role} token names people by id only (it can't read e-mails)"
        elif policy.may_filter(principal, entity, name):
            message = f"a {role} token can't see {str(value).strip()!r}"
        else:
            message = f"a {role} token can't filter {noun} by {name} (it can't read it)"
        raise BadQuery(name, message)


#: entities in messages
NOUNS = {Entity.project: "projects", Entity.task: "tasks", Entity.person: "people",
          Entity.absence: "absences", Entity.budget_line: "budget lines",
          Entity.account: "accounts", Entity.opportunity: "opportunities"}


def conditions(entity: Entity, params: p.ListParams, today: date,
               principal: Principal) -> list[ColumnElement[bool]]:
    """The filters of a list request as SQL conditions (AND-ed), after `check_filters`."""
    check_filters(entity, params, principal)
    table = RECORD_TABLES[entity]
    out: list[ColumnElement[bool]] = []
    # Leaving deleted records out is a filter on deleted_at too: a role that can't read it
    # sees its scope as it is (a partner's people don't vanish when HR deletes one).
    if not params.include_deleted and policy.may_read(principal, entity, "deleted_at"):
        out.append(table.deleted_at.is_(None))
    if params.updated_since is not None:
        since = params.updated_since
        if since.tzinfo is None:
            raise BadQuery("updated_since", "needs a time zone (e.g. 2026-05-01T09:00:00Z)")
        out.append(table.updated_at >= since)
    out += _BUILDERS[entity](params, today, principal)
    return out


def _projects(params: Any, today: date, principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.ProjectParams)
    out = _due(Project.due_date, Project.status, _PROJECT_CLOSED, params, today)
    if params.q:
        out.append(or_(_text(Project.name, params.q), _text(Project.key, params.q)))
    if departments := _csv(params.department):
        out.append(Project.department.in_(departments))
    if statuses := one_of(params.status, ProjectStatus, "status"):
        out.append(Project.status.in_(statuses))
    if budget := one_of(params.budget_status, BudgetStatus, "budget_status"):
        out.append(Project.budget_status.in_(budget))
    if params.owner:
        out.append(Project.owner_id.in_(person_ids(params.owner, principal)))
    return out


def _tasks(params: Any, today: date, principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.TaskParams)
    out = _due(Task.due_date, Task.status, _CLOSED, params, today)
    if params.q:
        out.append(_text(Task.title, params.q))
    if projects := _csv(params.project):
        out.append(Task.project_id.in_(project_ids(projects)))
    if departments := _csv(params.department):
        out.append(Task.project_id.in_(
            select(Project.id).where(Project.department.in_(departments))))
    if statuses := one_of(params.status, TaskStatus, "status"):
        out.append(Task.status.in_(statuses))
    if priorities := one_of(params.priority, Priority, "priority"):
        out.append(Task.priority.in_(priorities))
    if params.assignee:
        out.append(Task.id.in_(select(task_assignee.c.task_id).where(
            task_assignee.c.person_id.in_(person_ids(params.assignee, principal)))))
    if params.label:
        out.append(_listed(Task.labels, params.label))
    if params.risk:
        out.append(_listed(Task.risks, params.risk))
    return out


def _listed(column: Any, value: str) -> ColumnElement[bool]:
    """The JSON list in `column` holds the string `value`. JSON lists differ per database; a
    LIKE on the JSON text finds the quoted string."""
    return cast(column, String).contains('"' + value.replace('"', "") + '"', autoescape=True)


def _people(params: Any, today: date, principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.PersonParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(_text(Person.display_name, params.q))
    if departments := _csv(params.department):
        out.append(Person.department.in_(departments))
    if statuses := one_of(params.employment_status, EmploymentStatus, "employment_status"):
        out.append(Person.employment_status.in_(statuses))
    if params.email:
        out.append(Person.id.in_(person_ids(params.email, principal)))
    return out


def _absences(params: Any, today: date, principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.AbsenceParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(Absence.person_id.in_(select(Person.id).where(
            _text(Person.display_name, params.q))))
    if params.person:
        out.append(Absence.person_id.in_(person_ids(params.person, principal)))
    if params.task:
        # Only a task the caller may see says whose absences matter.
        out.append(Absence.person_id.in_(select(task_assignee.c.person_id).where(
            task_assignee.c.task_id == params.task, task_assignee.c.task_id.in_(
                select(Task.id).where(visible(Entity.task, principal))))))
    if departments := _csv(params.department):
        out.append(Absence.person_id.in_(
            select(Person.id).where(Person.department.in_(departments))))
    if kinds := one_of(params.kind, AbsenceKind, "kind"):
        out.append(Absence.kind.in_(kinds))
    if statuses := one_of(params.status, AbsenceStatus, "status"):
        out.append(Absence.status.in_(statuses))
    if params.from_date is not None:
        out.append(Absence.end >= params.from_date)
    if params.to_date is not None:
        out.append(Absence.start <= params.to_date)
    return out


def _budget_lines(params: Any, today: date, principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.BudgetLineParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(or_(_text(BudgetLine.cost_center, params.q),
                       _text(BudgetLine.period, params.q)))
    if projects := _csv(params.project):
        out.append(BudgetLine.project_id.in_(project_ids(projects)))
    if departments := _csv(params.department):
        out.append(BudgetLine.project_id.in_(
            select(Project.id).where(Project.department.in_(departments))))
    if statuses := one_of(params.approval_status, ApprovalStatus, "approval_status"):
        out.append(BudgetLine.approval_status.in_(statuses))
    for name in ("period", "cost_center", "currency"):
        value = getattr(params, name)
        if value:
            out.append(getattr(BudgetLine, name) == value)
    return out


def _accounts(params: Any, today: date, principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.AccountParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(or_(_text(Account.name, params.q), _text(Account.key, params.q)))
    if departments := _csv(params.department):
        out.append(Account.department.in_(departments))
    if industries := _csv(params.industry):
        out.append(Account.industry.in_(industries))
    if params.owner:
        out.append(Account.owner_id.in_(person_ids(params.owner, principal)))
    return out


def _opportunities(params: Any, today: date,
                   principal: Principal) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.OpportunityParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(_text(Opportunity.name, params.q))
    if accounts := _csv(params.account):
        out.append(Opportunity.account_id.in_(select(Account.id).where(
            or_(Account.key.in_(accounts), Account.id.in_(accounts)))))
    if departments := _csv(params.department):
        out.append(Opportunity.department.in_(departments))
    if statuses := one_of(params.status, OpportunityStatus, "status"):
        out.append(Opportunity.status.in_(statuses))
    if stages := _csv(params.stage):
        out.append(Opportunity.stage.in_(stages))
    if params.owner:
        out.append(Opportunity.owner_id.in_(person_ids(params.owner, principal)))
    if projects := _csv(params.project):
        out.append(Opportunity.project_id.in_(project_ids(projects)))
    if params.close_before is not None:
        out.append(Opportunity.close_date <= params.close_before)
    if params.close_after is not None:
        out.append(Opportunity.close_date >= params.close_after)
    return out


_BUILDERS: Mapping[Entity, Callable[[Any, date, Principal], list[ColumnElement[bool]]]] = {
    Entity.project: _projects, Entity.task: _tasks, Entity.person: _people,
    Entity.absence: _absences, Entity.budget_line: _budget_lines,
    Entity.account: _accounts, Entity.opportunity: _opportunities,
}
