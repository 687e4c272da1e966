"""A project at a glance: tasks by status, overdue, progress against plan, budget, open
conflicts and the latest changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity, TaskStatus
from hub.query.changes import People, emails_in, shown_changes
from hub.query.conflicts import readable
from hub.query.records import find_row
from hub.store.canonical import BudgetLine, Task
from hub.store.sync import AuditEntry, Conflict, ConflictState

LAST_CHANGES = 10


def project_overview(session: Session, principal: Principal, project_ref: str,
                     today: date) -> dict[str, Any]:
    """The overview of a project the principal may see (NotFound otherwise)."""
    project = find_row(session, Entity.project, principal, project_ref)
    live = (Task.project_id == project.id, Task.deleted_at.is_(None))
    by_status = {status.value: 0 for status in TaskStatus}
    for status, count in session.execute(
            select(Task.status, func.count()).where(*live).group_by(Task.status)):
        by_status[status.value] = int(count)
    open_ = Task.status.not_in((TaskStatus.done, TaskStatus.cancelled))
    overdue = session.scalar(select(func.count()).where(*live, open_, Task.due_date < today))
    planned = Task.status != TaskStatus.cancelled
    due_now = session.scalar(select(func.count()).where(*live, planned,
                                                         Task.due_date <= today)) or 0
    total = sum(by_status.values()) - by_status[TaskStatus.cancelled.value]
    done = by_status[TaskStatus.done.value]
    task_ids = select(Task.id).where(Task.project_id == project.id)
    return {
        "project": {"id": project.id, "key": project.key, "name": project.name,
                    "status": to_json(project.status), "due_date": to_json(project.due_date)},
        "tasks_by_status": by_status,
        "overdue": int(overdue or 0),
        "progress": {
            "total": total, "done": done, "due_by_now": int(due_now),
            "done_ratio": round(done / total, 4) if total else None,
            "planned_ratio": round(int(due_now) / total, 4) if total else None,
            "on_track": done >= int(due_now),
        },
        "budget": _budget(session, project.id)
        if policy.entity_view(principal, Entity.budget_line) else None,
        "open_conflicts": int(session.scalar(select(func.count()).where(
            Conflict.state == ConflictState.open, readable(principal),
            _of_project(Conflict, project.id, task_ids))) or 0)
        if policy.may_read_conflicts(principal) else None,
        "last_changes": _last_changes(session, principal, project.id, task_ids),
    }


def _last_changes(session: Session, principal: Principal, project_id: str,
                  task_ids: Any) -> list[dict[str, Any]]:
    """The latest changes of the project and its tasks, by the fields the principal reads
    (a change of nothing it reads is none)."""
    out: list[dict[str, Any]] = []
    query = select(AuditEntry).where(_of_project(AuditEntry, project_id, task_ids)) \
        .order_by(AuditEntry.id.desc())
    if not policy.may_follow(principal, Entity.task):
        return out
    for offset in range(0, LAST_CHANGES * 10, LAST_CHANGES * 2):
        batch = list(session.scalars(query.offset(offset).limit(LAST_CHANGES * 2)))
        people = People(session, principal, emails_in(batch))
        for e in batch:
            changes = shown_changes(principal, e.entity, e.action, e.changes, people)
            if changes is not None:
                out.append({"id": e.id, "entity": e.entity.value, "record_id": e.record_id,
                            "action": e.action, "fields": sorted(changes), "source": e.source,
                            "at": to_json(e.at)})
            if len(out) == LAST_CHANGES:
                return out
        if len(batch) < LAST_CHANGES * 2:
            break
    return out


def _of_project(table: Any, project_id: str, task_ids: Any) -> Any:
    return or_((table.entity == Entity.project) & (table.record_id == project_id),
               (table.entity == Entity.task) & table.record_id.in_(task_ids))


def _budget(session: Session, project_id: str) -> list[dict[str, Any]]:
    """Planned, approved and actual per currency (amounts in different currencies don't
    add up)."""
    rows = session.execute(
        select(BudgetLine.currency, func.sum(BudgetLine.planned), func.sum(BudgetLine.approved),
               func.sum(BudgetLine.actual), func.count())
        .where(BudgetLine.project_id == project_id, BudgetLine.deleted_at.is_(None))
        .group_by(BudgetLine.currency).order_by(BudgetLine.currency))
    out = []
    for currency, planned, approved, actual, lines in rows:
        approved_sum, actual_sum = _money(approved), _money(actual)
        out.append({"currency": currency, "lines": int(lines), "planned": _json(planned),
                    "approved": _json(approved), "actual": _json(actual),
                    "remaining": to_json(approved_sum - actual_sum),
                    "over_budget": actual_sum > approved_sum})
    return out


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _json(value: Any) -> str | None:
    return None if value is None else str(to_json(_money(value)))
