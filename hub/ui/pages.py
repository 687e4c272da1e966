"""The dashboard's pages; each widget is also a fragment htmx refreshes on its own."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.deps import ClockDep, SessionDep
from hub.api.resources import kinds
from hub.auth import policy
from hub.model.enums import Entity, ProjectStatus
from hub.model.text import NO_NUL
from hub.query import health
from hub.query.conflicts import list_conflicts
from hub.query.overview import project_overview
from hub.query.pagination import BadQuery
from hub.query.params import ProjectItem
from hub.query.records import NotFound, get_record, make_view
from hub.query.scope import visible
from hub.store.canonical import Project
from hub.store.sync import ConflictState
from hub.ui import feeds, gantt, project
from hub.ui.portfolio import RISK_FILTERS, PortfolioQuery, portfolio
from hub.ui.web import PREFIX, SignedInDep, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Text = Annotated[str, Query(max_length=200, pattern=NO_NUL)]
#: a project in a path: its key or id (as the API takes it)
Ref = Annotated[str, Path(max_length=64, pattern=NO_NUL)]
SORTS = ("due_date", "-due_date", "name", "key", "status", "department", "-updated_at")


@router.get("/portfolio")
def portfolio_page(request: Request, who: SignedInDep, session: SessionDep, clock: ClockDep,
                   department: Text = "", status: Text = "", risk: Text = "", q: Text = "",
                   sort: Text = "due_date", fragment: Annotated[bool, Query()] = False
                   ) -> Response:
    """Every project the principal may see, filtered by department, status and risk."""
    query = PortfolioQuery(department=department, status=status, risk=risk, q=q, sort=sort)
    error, rows = None, []
    if risk not in RISK_FILTERS:
        error = f"risk: {risk!r} is not one of: at_risk, on_track"
    else:
        try:
            rows = portfolio(session, who.principal, query, clock().date(), kinds(request))
        except ValidationError as exc:
            error = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        except BadQuery as exc:
            error = f"{exc.param}: {exc.message}"
    context = {"rows": rows, "query": query, "error": error, "sorts": SORTS,
               "statuses": [s.value for s in ProjectStatus], "today": clock().date(),
               "departments": _departments(session, who.principal)}
    template = "fragments/portfolio_rows.html" if fragment else "portfolio.html"
    return page(request, template, context, who=who, status_code=400 if error else 200)


def _departments(session: Session, principal: Any) -> list[str]:
    if not policy.may_read(principal, Entity.project, "department"):
        return []
    return [d for d in session.scalars(select(Project.department).where(
        visible(Entity.project, principal), Project.department.is_not(None))
        .distinct().order_by(Project.department)) if d]


def _project(request: Request, session: Session, who: Any, ref: str) -> dict[str, Any]:
    record, version = get_record(session, make_view(Entity.project, who.principal,
                                                    ProjectItem()), ref, kinds(request))
    record["version"] = version
    return record


@router.get("/projects/{ref}")
def project_page(request: Request, ref: Ref,
                 who: SignedInDep, session: SessionDep, clock: ClockDep,
                 widget: Text = "") -> Response:
    """One project: tasks across the tools, burn-up, budget, absences, on-time, risks,
    latest changes. `widget=` answers one widget (htmx's live refresh)."""
    principal, today = who.principal, clock().date()
    try:
        record = _project(request, session, who, ref[:64])
        overview = project_overview(session, principal, record["id"], today)
    except NotFound as exc:
        return page(request, "refused.html", {"message": exc.message}, who=who, status_code=404)
    items, total = project.tasks(session, principal, record["id"], today, kinds(request))
    context: dict[str, Any] = {
        "project": record, "overview": overview, "tasks": items, "task_total": total,
        "today": today, "risks": project.risks(items),
        "burn": project.burn_up(session, principal, record["id"], _date(record, "start_date"),
                                _date(record, "due_date"), today),
        "budget": project.budget_lines(session, principal, record["id"], today,
                                       kinds(request)),
        "absences": project.absences_before_due(session, principal, record["id"], today),
        "on_time": project.on_time(session, principal, record["id"], record.get("key"),
                                   record.get("department"), today),
        "changes": feeds.describe(session, principal, overview.get("last_changes") or []),
    }
    template = "project.html" if not widget else "fragments/project_live.html"
    return page(request, template, context, who=who)


def _date(record: dict[str, Any], name: str) -> date | None:
    value = record.get(name)
    return date.fromisoformat(value) if isinstance(value, str) else None


@router.get("/projects/{ref}/board")
def board_page(request: Request, ref: Ref, who: SignedInDep, session: SessionDep,
               clock: ClockDep, widget: Text = "") -> Response:
    """Kanban by canonical status, across every tool that holds the project."""
    try:
        record = _project(request, session, who, ref[:64])
    except NotFound as exc:
        return page(request, "refused.html", {"message": exc.message}, who=who, status_code=404)
    items, total = project.tasks(session, who.principal, record["id"], clock().date(),
                                 kinds(request))
    return page(request, "fragments/board_columns.html" if widget else "board.html",
                {"project": record, "tasks": items, "task_total": total,
                 "columns": ["todo", "in_progress", "blocked", "in_review", "done"]}, who=who)


@router.get("/projects/{ref}/plan")
def plan_page(request: Request, ref: Ref, who: SignedInDep, session: SessionDep,
              clock: ClockDep) -> Response:
    """A Gantt chart of the project's tasks and milestones, their dependencies and today."""
    try:
        record = _project(request, session, who, ref[:64])
    except NotFound as exc:
        return page(request, "refused.html", {"message": exc.message}, who=who, status_code=404)
    items, _total = project.tasks(session, who.principal, record["id"], clock().date(),
                                  kinds(request))
    return page(request, "plan.html", {"project": record,
                                       "gantt": gantt.chart(items, clock().date())}, who=who)


@router.get("/conflicts")
def conflicts_page(request: Request, who: SignedInDep, session: SessionDep) -> Response:
    """Open conflicts: every tool's value, when it was set; resolve with one click."""
    if not policy.may_read_conflicts(who.principal):
        return page(request, "refused.html", {"message": "Conflicts are internal to the "
                    "company: this sign-in can't read them."}, who=who, status_code=403)
    items = list_conflicts(session, who.principal, state=ConflictState.open, entity=None,
                           record=None, limit=100, cursor=None, sort=None).items
    return page(request, "conflicts.html", {"conflicts": feeds.titled(session, items)},
                who=who)


@router.get("/health")
def health_page(request: Request, who: SignedInDep, session: SessionDep,
                clock: ClockDep) -> Response:
    """Per connector: last poll, lag, errors, quarantine and failed pushes (with retry)."""
    if not who.principal.may_read_operations:
        return page(request, "refused.html", {"message": "Sync health is for the hub's "
                    "operators: this sign-in can't read it."}, who=who, status_code=403)
    config = request.app.state.config
    rows = health.connector_health(session, config, clock())
    details = {r["id"]: {"quarantine": health.quarantine(session, r["id"], 20, None,
                                                         False).items,
                         "failed": health.failed_pushes(session, r["id"], 20, None).items}
               for r in rows}
    return page(request, "health.html", {"connectors": rows, "details": details,
                                         "webhooks": feeds.last_webhooks(session)},
                who=who)


@router.get("/activity")
def activity_page(request: Request, who: SignedInDep, session: SessionDep,
                  person: Text = "", tool: Text = "", project_ref: Annotated[
                      str, Query(alias="project", max_length=64, pattern=NO_NUL)] = "",
                  field: Text = "") -> Response:
    """The audit feed, newest first, filtered by person, tool, project and field."""
    entries = feeds.activity(session, who.principal, person=person, tool=tool,
                             project=project_ref, field=field)
    return page(request, "activity.html", {
        "entries": entries, "filters": {"person": person, "tool": tool,
                                        "project": project_ref, "field": field}}, who=who)


@router.get("/workload")
def workload_page(request: Request, who: SignedInDep, session: SessionDep,
                  clock: ClockDep) -> Response:
    """Open tasks and tasks due this week and next, per person and department, beside
    absences."""
    rows = feeds.workload(session, who.principal, clock().date())
    return page(request, "workload.html", {"rows": rows, "today": clock().date()}, who=who)
