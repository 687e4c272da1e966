"""Leavers: an open task assigned to someone HR marked as terminated carries the
`assignee_inactive` risk (visible in the API), instead of being reassigned silently. The risk
goes when the task is reassigned to people still here, is closed, or the person comes back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.model.enums import EmploymentStatus, Entity, TaskStatus
from hub.store.canonical import Person, Task, task_assignee
from hub.sync.derive import DeriveContext, Rule, chunks, register

RISK = "assignee_inactive"
_CLOSED = {TaskStatus.done.value, TaskStatus.cancelled.value}


def _derive(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
    tasks = ctx.changes.ids(Entity.task, {"assignees", "status"})
    for batch in chunks(ctx.changes.ids(Entity.person, {"employment_status"})):
        tasks.update(ctx.session.scalars(select(task_assignee.c.task_id).where(
            task_assignee.c.person_id.in_(batch))))
    out: dict[str, dict[str, Any]] = {}
    anyone_left = ctx.session.scalar(select(Person.id).where(
        Person.employment_status == EmploymentStatus.terminated).limit(1)) is not None
    for batch in chunks(sorted(tasks)):
        inactive = set() if not anyone_left else set(ctx.session.scalars(
            select(task_assignee.c.task_id).join(Person, Person.id == task_assignee.c.person_id)
            .where(task_assignee.c.task_id.in_(batch),
                   Person.employment_status == EmploymentStatus.terminated)))
        # A task created in this change has no risks yet: only one with a leaver is read.
        to_read = [t for t in batch
                   if t in inactive or not ctx.changes.was_created(Entity.task, t)]
        if not to_read:
            continue
        for task_id, status, risks in ctx.session.execute(
                select(Task.id, Task.status, Task.risks)
                .where(Task.id.in_(to_read), Task.deleted_at.is_(None))):
            now = set(risks or [])
            wanted = (now | {RISK}) if task_id in inactive and str(status) not in _CLOSED \
                else (now - {RISK})
            if wanted != now:
                out[task_id] = {"risks": sorted(wanted)}
    return out


register(Rule(name=RISK, target=Entity.task, sets=("risks",),
              watches={Entity.person: ("employment_status",),
                       Entity.task: ("assignees", "status")},
              derive=_derive))
