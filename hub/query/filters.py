"""Per entity: the keys it sorts by and the filters managers ask for, as SQL conditions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    Numeric,
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

from hub.model.enums import (
    AbsenceKind,
    AbsenceStatus,
    ApprovalStatus,
    BudgetStatus,
    EmploymentStatus,
    Entity,
    Priority,
    ProjectStatus,
    TaskStatus,
)
from hub.query import params as p
from hub.query.pagination import BadQuery, SortField
from hub.store.base import UTCDateTime
from hub.store.canonical import (
    Absence,
    BudgetLine,
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
_SORTS: dict[Entity, tuple[str, ...]] = {
    Entity.project: ("key", "name", "status", "department", "start_date", "due_date",
                     "budget_status", "created_at", "updated_at"),
    Entity.task: ("title", "status", "priority", "start_date", "due_date", "completed_at",
                  "created_at", "updated_at"),
    Entity.person: ("display_name", "department", "employment_status", "created_at",
                    "updated_at"),
    Entity.absence: ("start", "end", "kind", "status", "created_at", "updated_at"),
    Entity.budget_line: ("period", "cost_center", "planned", "approved", "actual",
                         "approval_status", "created_at", "updated_at"),
}
#: priorities sort by rank, not by name
_PRIORITY_RANK = {"low": 1, "medium": 2, "high": 3, "urgent": 4}


@cache
def sort_fields(entity: Entity) -> Mapping[str, SortField]:
    """The whitelisted sort keys of `entity` (built once: SQL expressions are immutable)."""
    table = RECORD_TABLES[entity]
    columns = inspect(table).columns
    out = {"id": SortField(columns["id"])}
    for name in _SORTS[entity]:
        column = columns[name]
        if entity is Entity.task and name == "priority":
            out[name] = SortField(case(_PRIORITY_RANK, value=Task.priority), nullable=True,
                                  decode=int)
            continue
        out[name] = SortField(column, nullable=bool(column.nullable),
                              decode=_decoder(column.type))
    return out


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, Date):
        return lambda v: date.fromisoformat(str(v))
    if isinstance(column_type, UTCDateTime):
        return lambda v: datetime.fromisoformat(str(v))
    if isinstance(column_type, Numeric):
        return lambda v: Decimal(str(v))
    enum_class = getattr(column_type, "enum_class", None)
    if enum_class is not None:
        return lambda v: enum_class(v)
    return str


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


def person_ids(ref: str) -> Any:
    """People by id or by any of their e-mails (case-insensitive).

    A UNION, not an OR: each side is one index lookup, and the planner's estimate stays "a
    few people" (with an OR it expects many and walks every task in id order)."""
    return union(select(Person.id).where(Person.id == ref),
                 select(PersonEmail.person_id).where(
                     PersonEmail.email == ref.strip().casefold()))


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


def conditions(entity: Entity, params: p.ListParams, today: date) -> list[ColumnElement[bool]]:
    """The filters of a list request as SQL conditions (AND-ed)."""
    table = RECORD_TABLES[entity]
    out: list[ColumnElement[bool]] = []
    if not params.include_deleted:
        out.append(table.deleted_at.is_(None))
    if params.updated_since is not None:
        since = params.updated_since
        if since.tzinfo is None:
            raise BadQuery("updated_since", "needs a time zone (e.g. 2026-05-01T09:00:00Z)")
        out.append(table.updated_at >= since)
    out += _BUILDERS[entity](params, today)
    return out


def _projects(params: Any, today: date) -> list[ColumnElement[bool]]:
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
        out.append(Project.owner_id.in_(person_ids(params.owner)))
    return out


def _tasks(params: Any, today: date) -> list[ColumnElement[bool]]:
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
            task_assignee.c.person_id.in_(person_ids(params.assignee)))))
    if params.label:
        out.append(_listed(Task.labels, params.label))
    if params.risk:
        out.append(_listed(Task.risks, params.risk))
    return out


def _listed(column: Any, value: str) -> ColumnElement[bool]:
    """The JSON list in `column` holds the string `value`. JSON lists differ per database; a
    LIKE on the JSON text finds the quoted string."""
    return cast(column, String).contains('"' + value.replace('"', "") + '"', autoescape=True)


def _people(params: Any, today: date) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.PersonParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(_text(Person.display_name, params.q))
    if departments := _csv(params.department):
        out.append(Person.department.in_(departments))
    if statuses := one_of(params.employment_status, EmploymentStatus, "employment_status"):
        out.append(Person.employment_status.in_(statuses))
    if params.email:
        out.append(Person.id.in_(person_ids(params.email)))
    return out


def _absences(params: Any, today: date) -> list[ColumnElement[bool]]:
    assert isinstance(params, p.AbsenceParams)
    out: list[ColumnElement[bool]] = []
    if params.q:
        out.append(Absence.person_id.in_(select(Person.id).where(
            _text(Person.display_name, params.q))))
    if params.person:
        out.append(Absence.person_id.in_(person_ids(params.person)))
    if params.task:
        out.append(Absence.person_id.in_(select(task_assignee.c.person_id).where(
            task_assignee.c.task_id == params.task)))
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


def _budget_lines(params: Any, today: date) -> list[ColumnElement[bool]]:
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


_BUILDERS: Mapping[Entity, Callable[[Any, date], list[ColumnElement[bool]]]] = {
    Entity.project: _projects, Entity.task: _tasks, Entity.person: _people,
    Entity.absence: _absences, Entity.budget_line: _budget_lines,
}
