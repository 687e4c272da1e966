"""A project page's widgets: its tasks across the tools, the burn-up against plan, budget
lines with burn, absences before due dates, on-time rates, risks and the latest changes.

Records come from the API's query layer (`list_records`, `project_overview`), so scope and
fields are the policy's; what is computed here (burn-up, on-time rates, absences) asks the
same policy before it reads anything."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.model.enums import Entity, TaskStatus
from hub.query.params import BudgetLineParams, TaskParams
from hub.query.records import list_records, make_view
from hub.query.scope import visible
from hub.store.auth import ApiToken, Role
from hub.store.canonical import Absence, Person, Task, task_assignee
from hub.ui.i18n import as_date

TASKS_SHOWN = 200
#: why a task is at risk, in a sentence (risk names are the rules' own)
RISK_REASONS = {
    "assignee_inactive": "an assignee is marked as leaving or on leave in HR",
    "budget_rejected": "the project's budget was rejected",
}


def tasks(session: Session, principal: Principal, project_id: str, today: date,
          kinds: Mapping[str, str], limit: int = TASKS_SHOWN) -> tuple[list[dict[str, Any]], int]:
    """The project's tasks as the API lists them (first by due date), and how many there are."""
    params = TaskParams.model_validate({"project": project_id, "limit": limit,
                                        "sort": "due_date", "include": "total"})
    page = list_records(session, make_view(Entity.task, principal, params, listing=True),
                        params, today, kinds)
    return page.items, page.total or 0


def budget_lines(session: Session, principal: Principal, project_id: str, today: date,
                 kinds: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """Budget lines per cost center with burn (actual / approved); None: not the
    principal's to read."""
    if policy.entity_view(principal, Entity.budget_line) is None:
        return None
    params = BudgetLineParams.model_validate({"project": project_id, "limit": 200,
                                              "sort": "cost_center"})
    items = list_records(session, make_view(Entity.budget_line, principal, params, listing=True),
                         params, today, kinds).items
    for line in items:
        approved, actual = line.get("approved"), line.get("actual")
        line["burn"] = float(actual) / float(approved) if approved and actual is not None \
            and float(approved) else None
    return items


def burn_up(session: Session, principal: Principal, project_id: str,
            start: date | None, due: date | None, today: date) -> dict[str, Any] | None:
    """Per day from the start to the due date: tasks the plan expects done (due by then)
    and tasks done (completed by then), of the tasks not cancelled. The database counts per
    day, so a project of thousands of tasks sends a few hundred rows, not thousands."""
    counted = (Task.project_id == project_id, Task.deleted_at.is_(None),
               Task.status != TaskStatus.cancelled, visible(Entity.task, principal))
    per_due = session.execute(select(Task.due_date, func.count()).where(*counted)
                              .group_by(Task.due_date)).all()
    total = sum(n for _day, n in per_due)
    if not total:
        return None
    completed = func.date(Task.completed_at)
    per_done = [(as_date(d), n) for d, n in session.execute(
        select(completed, func.count()).where(*counted, Task.status == TaskStatus.done)
        .group_by(completed)).all()]
    due_days, due_sums = _cumulative((d, n) for d, n in per_due if d)
    done_days, done_sums = _cumulative((d, n) for d, n in per_done if d)
    days = due_days + done_days
    first = start or (min(days) if days else today)
    last = max(due or today, today, *days)
    if (last - first).days > 3650:
        first = last - timedelta(days=3650)
    step = max(1, (last - first).days // 60)
    points = []
    day = first
    while True:
        # counts by bisection: a point costs log(days), not a pass over the tasks
        points.append({"day": day, "planned": due_sums[bisect_right(due_days, day)],
                       "done": done_sums[bisect_right(done_days, day)] if day <= today
                       else None})
        if day >= last:
            break
        day = min(last, day + timedelta(days=step))
    return {"total": total, "points": points, "today": today,
            "done_without_date": sum(n for d, n in per_done if d is None)}


def _cumulative(counts: Iterable[tuple[date, int]]) -> tuple[list[date], list[int]]:
    """The days in order, and running totals: `sums[k]` counts the first k days."""
    days, sums = [], [0]
    for day, n in sorted(counts):
        days.append(day)
        sums.append(sums[-1] + n)
    return days, sums


def absences_before_due(session: Session, principal: Principal, project_id: str,
                        today: date) -> list[dict[str, Any]] | None:
    """Absences of assignees of open tasks that start before the task is due (and end after
    today); None: absences are not the principal's to read."""
    if policy.entity_view(principal, Entity.absence) is None:
        return None
    rows = session.execute(
        select(Task.id, Task.title, Task.due_date, Person.display_name, Absence.start,
               Absence.end, Absence.kind)
        .join(task_assignee, task_assignee.c.task_id == Task.id)
        .join(Person, Person.id == task_assignee.c.person_id)
        .join(Absence, Absence.person_id == Person.id)
        .where(Task.project_id == project_id, Task.deleted_at.is_(None),
               Task.status.not_in((TaskStatus.done, TaskStatus.cancelled)),
               Task.due_date.is_not(None), Absence.start <= Task.due_date,
               Absence.end >= today, Absence.deleted_at.is_(None),
               visible(Entity.absence, principal), visible(Entity.task, principal))
        .order_by(Task.due_date, Absence.start).limit(100)).all()
    return [{"task_id": r[0], "task": r[1], "due_date": r[2], "person": r[3], "start": r[4],
             "end": r[5], "kind": r[6].value} for r in rows]


def on_time(session: Session, principal: Principal, project_id: str, project_key: str | None,
            department: str | None, today: date) -> dict[str, list[dict[str, Any]]]:
    """Tasks done by their due date ÷ tasks due by today: for the project's department, per
    assignees' department (where the principal reads people's departments), and per partner
    the project is shared with (for those who see everything)."""
    due = (Task.project_id == project_id, Task.deleted_at.is_(None),
           Task.status != TaskStatus.cancelled, Task.due_date <= today,
           visible(Entity.task, principal))
    hit = func.sum(case(((Task.status == TaskStatus.done)
                         & (func.date(Task.completed_at) <= Task.due_date), 1), else_=0))

    def rate(name: str, hits: Any, count: Any) -> dict[str, Any]:
        hits, count = int(hits or 0), int(count or 0)
        return {"name": name, "on_time": hits, "due": count,
                "rate": hits / count if count else None}

    hits, count = session.execute(select(hit, func.count()).where(*due)).one()
    out: dict[str, list[dict[str, Any]]] = {"department": [rate(department or "—", hits, count)],
                                            "partner": []}
    if policy.may_read(principal, Entity.person, "department") and count:
        out["department"] += [rate(dept, h, n) for dept, h, n in session.execute(
            select(Person.department, hit, func.count())
            .join(task_assignee, task_assignee.c.task_id == Task.id)
            .join(Person, Person.id == task_assignee.c.person_id)
            .where(*due, Person.department.is_not(None), Person.department != department)
            .group_by(Person.department).order_by(Person.department))]
    if principal.sees_everything and project_key:
        partners = sorted({t.partner for t in session.scalars(select(ApiToken).where(
            ApiToken.role == Role.partner, ApiToken.revoked_at.is_(None)))
            if t.partner and project_key in (t.projects or [])})
        out["partner"] = [rate(p, hits, count) for p in partners]
    return out


def risks(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The listed tasks at risk, each risk with its reason (as the principal sees them)."""
    return [{"task": t, "reasons": [RISK_REASONS.get(r, r.replace("_", " ")) for r in t["risks"]]}
            for t in items if t.get("risks")]
