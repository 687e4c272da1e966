"""Task risks with their reasons, kept current in the transaction of the change (and by the
periodic refresh, for those that come with time passing):

- `overdue`: open and past its due date;
- `absent_assignee`: due within `risks.due_soon` while an assignee is away (HR absences);
- `slipping_dependency`: blocked by an open task due after this one starts;
- `stalled`: in progress with no change from a person or a tool for `risks.stalled_after`;
- `budget_rejected` / `over_budget`: its project's budget gate.

The risks list keeps risks other derivations own (`assignee_inactive`). `explain` gives each
risk's reason as a sentence, for messages and digests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.config.rules import RisksConfig
from hub.model.enums import AbsenceStatus, BudgetStatus, Entity, TaskStatus
from hub.store.canonical import Absence, Project, Task, task_assignee, task_blocker
from hub.sync import derive
from hub.sync.derive import ChangeSet, chunks
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

MANAGED = frozenset({"overdue", "absent_assignee", "slipping_dependency", "stalled",
                     "budget_rejected", "over_budget"})
SOURCE = "derive:risks"
_OPEN = (TaskStatus.todo, TaskStatus.in_progress, TaskStatus.blocked, TaskStatus.in_review)
_TASK_FIELDS = {"status", "due_date", "start_date", "assignees", "project", "blocked_by"}


def run_round(rt: Runtime | None, session: Session, changes: ChangeSet, now: datetime,
              depth: int, produced: ChangeSet) -> int:
    """Risks of the tasks the round's changes concern (`derive.ROUND_HOOKS`)."""
    tasks = {t for t in changes.ids(Entity.task, _TASK_FIELDS)
             if not changes.was_deleted(Entity.task, t)}
    for batch in chunks(changes.ids(Entity.project, {"budget_status"})):
        tasks.update(session.scalars(select(Task.id).where(Task.project_id.in_(batch))))
    absences = changes.ids(Entity.absence)
    if absences:
        people = set(session.scalars(select(Absence.person_id).where(
            Absence.id.in_(list(absences)))))
        for batch in chunks(people):
            tasks.update(session.scalars(select(task_assignee.c.task_id).where(
                task_assignee.c.person_id.in_(batch))))
    if not tasks:
        return 0
    settings = rt.config.risks if rt is not None else RisksConfig()
    return refresh(rt, session, tasks, now, settings, produced)


def refresh(rt: Runtime | None, session: Session, task_ids: Iterable[str], now: datetime,
            settings: RisksConfig, produced: ChangeSet) -> int:
    """Decide the risks of these tasks and write those that differ; returns how many."""
    changed = 0
    store = RecordStore(session)
    for batch in chunks(sorted(set(task_ids))):
        updates = decide(session, batch, now, settings)
        changed += derive.apply_updates(rt, session, store, Entity.task, SOURCE, updates, now,
                                        produced)
    return changed


def decide(session: Session, task_ids: list[str], now: datetime,
           settings: RisksConfig) -> dict[str, dict[str, Any]]:
    """The tasks whose risks should change: {id: {"risks": [...]}}."""
    out: dict[str, dict[str, Any]] = {}
    reasons_of = _all_reasons(session, task_ids, now, settings)
    for task_id, current in _current_risks(session, task_ids).items():
        kept = [r for r in current if r not in MANAGED]
        risks = sorted({*kept, *reasons_of.get(task_id, {})})
        if risks != sorted(current):
            out[task_id] = {"risks": risks}
    return out


def _current_risks(session: Session, task_ids: list[str]) -> dict[str, list[str]]:
    return {task_id: list(risks or []) for task_id, risks in session.execute(
        select(Task.id, Task.risks).where(Task.id.in_(task_ids), Task.deleted_at.is_(None)))}


def _all_reasons(session: Session, task_ids: list[str], now: datetime,
                 settings: RisksConfig) -> dict[str, dict[str, str]]:
    today = now.date()
    rows = session.execute(
        select(Task.id, Task.status, Task.due_date, Task.start_date, Task.provenance,
               Task.created_at, Project.budget_status)
        .outerjoin(Project, Task.project_id == Project.id)
        .where(Task.id.in_(task_ids), Task.deleted_at.is_(None))).all()
    blockers: dict[str, list[tuple[str, date | None, TaskStatus]]] = defaultdict(list)
    for task_id, blocker_id, due, status in session.execute(
            select(task_blocker.c.task_id, Task.id, Task.due_date, Task.status)
            .join(Task, Task.id == task_blocker.c.blocked_by_id)
            .where(task_blocker.c.task_id.in_(task_ids))):
        blockers[task_id].append((blocker_id, due, status))
    horizon = today + settings.due_soon
    away: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for task_id, start, end in session.execute(
            select(task_assignee.c.task_id, Absence.start, Absence.end)
            .join(Absence, Absence.person_id == task_assignee.c.person_id)
            .where(task_assignee.c.task_id.in_(task_ids), Absence.deleted_at.is_(None),
                   Absence.status.notin_((AbsenceStatus.denied, AbsenceStatus.cancelled)),
                   Absence.end >= today,
                   Absence.start <= horizon)):
        away[task_id].append((start, end))
    return {row.id: _reasons(row, today, now, horizon, settings, blockers.get(row.id, []),
                             away.get(row.id, [])) for row in rows}


def explain(session: Session, task_ids: list[str], now: datetime,
            settings: RisksConfig) -> dict[str, dict[str, str]]:
    """Each task's managed risks with the reason for each, as sentences."""
    return {task_id: reasons for task_id, reasons in _all_reasons(
        session, task_ids, now, settings).items() if reasons}


def _reasons(row: Any, today: date, now: datetime, horizon: date, settings: RisksConfig,
             blockers: list[tuple[str, date | None, TaskStatus]],
             away: list[tuple[date, date]]) -> dict[str, str]:
    reasons: dict[str, str] = {}
    status = TaskStatus(row.status)
    if status not in _OPEN:
        return reasons
    if row.due_date is not None and row.due_date < today:
        reasons["overdue"] = f"due {row.due_date.isoformat()}, {(today - row.due_date).days} " \
                             "day(s) ago"
    if row.due_date is not None and today <= row.due_date <= horizon:
        for start, end in away:
            if start <= row.due_date and end >= today:
                reasons["absent_assignee"] = f"due {row.due_date.isoformat()} while an " \
                                             f"assignee is away {start}..{end}"
                break
    start_date = row.start_date or row.due_date
    for _, due, blocker_status in blockers:
        if TaskStatus(blocker_status) in _OPEN and due is not None and start_date is not None \
                and due > start_date:
            reasons["slipping_dependency"] = f"blocked by a task due {due.isoformat()}, after " \
                                             f"this one starts ({start_date.isoformat()})"
            break
    if status is TaskStatus.in_progress:
        last = _last_change(row.provenance or {}, row.created_at)
        if last is not None and now - last >= settings.stalled_after:
            reasons["stalled"] = f"in progress with no change since {last.date().isoformat()}"
    budget = row.budget_status
    if budget is not None and BudgetStatus(budget) is BudgetStatus.rejected:
        reasons["budget_rejected"] = "the project's budget was rejected"
    elif budget is not None and BudgetStatus(budget) is BudgetStatus.over_budget:
        reasons["over_budget"] = "the project spent more than its approved budget"
    return reasons


def _last_change(provenance: dict[str, Any], created: datetime | None) -> datetime | None:
    """The last change a person or a tool made (derivations and rules don't count)."""
    times = [entry.get("at") for entry in provenance.values()
             if isinstance(entry, dict) and not str(entry.get("source", "")).startswith(
                 ("derive:", "rule:"))]
    parsed = [datetime.fromisoformat(t) for t in times if isinstance(t, str)]
    found = max(parsed, default=created)
    return found


def open_tasks(session: Session) -> list[str]:
    """Every open task (the periodic refresh: time makes tasks overdue and stalled)."""
    return list(session.scalars(select(Task.id).where(
        Task.deleted_at.is_(None), Task.status.in_(_OPEN))))


