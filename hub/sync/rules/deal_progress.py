"""Sales sees delivery: a deal linked to a delivery project carries the project's progress in
custom fields (percent of its tasks done, the project's status, the next milestone and its
date, the budget gate), which the CRM's mapping writes back onto the opportunity."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from hub.model.enums import Entity, TaskStatus
from hub.store.canonical import Opportunity, Project, Task
from hub.sync.derive import DeriveContext, Rule, chunks, register

SETS = ("custom.delivery_project", "custom.delivery_percent_done", "custom.delivery_status",
        "custom.next_milestone", "custom.next_milestone_date", "custom.budget_status")
_OPEN = (TaskStatus.todo, TaskStatus.in_progress, TaskStatus.blocked, TaskStatus.in_review)


def _projects(ctx: DeriveContext) -> set[str]:
    """Projects whose progress may have changed."""
    found = set(ctx.changes.ids(Entity.project))
    tasks = ctx.changes.ids(Entity.task, ("status", "due_date", "project", "title"))
    for batch in chunks(tasks):
        found.update(p for p in ctx.session.scalars(
            select(Task.project_id).where(Task.id.in_(batch))) if p)
    left = {str(k) for t in tasks if (k := ctx.changes.old(Entity.task, t, "project"))}
    for batch in chunks(left):
        found.update(ctx.session.scalars(select(Project.id).where(Project.key.in_(batch))))
    deals = ctx.changes.ids(Entity.opportunity, ("project",))
    for batch in chunks(deals):
        found.update(p for p in ctx.session.scalars(
            select(Opportunity.project_id).where(Opportunity.id.in_(batch))) if p)
    return found


def progress(project: Project, tasks: list[Task]) -> dict[str, Any]:
    """What a deal shows of its delivery project."""
    live = [t for t in tasks if t.deleted_at is None and t.status != TaskStatus.cancelled]
    done = sum(1 for t in live if t.status == TaskStatus.done)
    upcoming = sorted((t for t in live if t.status in _OPEN),
                      key=lambda t: (t.due_date is None, t.due_date or t.created_at.date(),
                                     t.created_at, t.id))
    milestone = upcoming[0] if upcoming else None
    return {
        "custom.delivery_project": project.key or project.name,
        "custom.delivery_percent_done": round(100 * done / len(live)) if live else 0,
        "custom.delivery_status": project.status.value,
        "custom.next_milestone": milestone.title if milestone else None,
        "custom.next_milestone_date": milestone.due_date.isoformat()
        if milestone and milestone.due_date else None,
        "custom.budget_status": project.budget_status.value,
    }


def _derive(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
    projects = _projects(ctx)
    out: dict[str, dict[str, Any]] = {}
    for batch in chunks(projects):
        deals = list(ctx.session.execute(select(Opportunity.id, Opportunity.project_id).where(
            Opportunity.project_id.in_(batch), Opportunity.deleted_at.is_(None))))
        if not deals:
            continue
        wanted = list({str(p) for _, p in deals})
        rows = {p.id: p for p in ctx.session.scalars(select(Project).where(
            Project.id.in_(wanted)))}
        tasks: dict[str, list[Task]] = defaultdict(list)
        for task in ctx.session.scalars(select(Task).where(Task.project_id.in_(wanted))):
            tasks[str(task.project_id)].append(task)
        for deal_id, project_id in deals:
            project = rows.get(str(project_id))
            if project is not None:
                out[deal_id] = progress(project, tasks[project.id])
    return out


register(Rule(name="deal_progress", target=Entity.opportunity, sets=SETS,
              watches={Entity.task: ("status", "due_date", "project", "title"),
                       Entity.project: ("status", "budget_status", "key"),
                       Entity.opportunity: ("project",)},
              derive=_derive))
