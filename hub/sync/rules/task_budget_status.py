"""A project's budget gate on each of its tasks (`custom.budget_status`), so the tools that
hold tasks can show it: a Jira select field, an Asana custom field. Tasks of a project whose
budget is `unknown` carry none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.model.enums import BudgetStatus, Entity
from hub.store.canonical import Project, Task
from hub.sync.derive import DeriveContext, Rule, chunks, register

FIELD = "custom.budget_status"


def _derive(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    query = select(Task.id, Project.budget_status).join(Project, Task.project_id == Project.id)
    for batch in chunks(ctx.changes.ids(Entity.project, {"budget_status"})):
        for task_id, status in ctx.session.execute(
                query.where(Task.project_id.in_(batch), Task.deleted_at.is_(None))):
            out[task_id] = {FIELD: _value(status)}
    moved = ctx.changes.ids(Entity.task, {"project"}) - set(out)
    if moved and not _any_gate(ctx):  # a backfill before finance: new tasks carry nothing
        moved = {t for t in moved if not ctx.changes.was_created(Entity.task, t)}
    for batch in chunks(moved):
        rows = ctx.session.execute(query.where(Task.id.in_(batch)))
        found = {task_id: status for task_id, status in rows}
        for task_id in batch:
            value = _value(found.get(task_id))
            # A new task of a project without a budget gate has nothing to carry: not loaded.
            if value is not None or not ctx.changes.was_created(Entity.task, task_id):
                out[task_id] = {FIELD: value}
    return out


def _any_gate(ctx: DeriveContext) -> bool:
    """Whether any project has a budget gate (a status other than unknown)."""
    return ctx.session.scalar(select(Project.id).where(
        Project.budget_status.is_not(None),
        Project.budget_status != BudgetStatus.unknown).limit(1)) is not None


def _value(status: Any) -> str | None:
    if status is None or BudgetStatus(status) is BudgetStatus.unknown:
        return None
    return BudgetStatus(status).value


register(Rule(name="task_budget_status", target=Entity.task, sets=(FIELD,),
              watches={Entity.project: ("budget_status",), Entity.task: ("project",)},
              derive=_derive))
