"""Reports the hub builds from its reconciled data for connectors to publish in their tools
(finance's portfolio workbook).

The seam: the hub gathers the rows (it owns the store; connectors never import it) into an SDK
`Report` of plain values, and the connector only lays them out in its tool
(`Connector.publish`). A connector asks for reports by name (`Connector.reports()`);
`publish_reports` rebuilds one only when the hub's data changed since it was last published
(the newest audit entry id, kept in the connector's sync cursor stream `report:<name>`), so the
runner can ask often and cheaply: after every poll and on the sweep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.errors import HubError
from hub.model.enums import Entity, TaskStatus
from hub.sdk.connector import Report, ReportColumn
from hub.store.canonical import BudgetLine, Person, Project, Task
from hub.store.sync import AuditEntry, Link, SyncCursor
from hub.sync.runtime import Runtime

Builder = Callable[[Session, datetime], Report]
REPORTS: dict[str, Builder] = {}

PORTFOLIO_COLUMNS = (
    ReportColumn("key", "Project"), ReportColumn("name", "Name"),
    ReportColumn("status", "Status"), ReportColumn("department", "Department"),
    ReportColumn("owner", "Owner"), ReportColumn("due_date", "Due", "date"),
    ReportColumn("tools", "Tools"),
    ReportColumn("tasks", "Tasks", "int"), ReportColumn("done", "Done", "int"),
    ReportColumn("in_progress", "In progress", "int"), ReportColumn("blocked", "Blocked", "int"),
    ReportColumn("overdue", "Overdue tasks", "int"),
    ReportColumn("budget_status", "Budget"), ReportColumn("currency", "Currency"),
    ReportColumn("planned", "Planned", "money"), ReportColumn("approved", "Approved", "money"),
    ReportColumn("actual", "Actual", "money"), ReportColumn("remaining", "Remaining", "money"),
    ReportColumn("risks", "Risks", "list"),
)
_OPEN = {TaskStatus.todo, TaskStatus.in_progress, TaskStatus.blocked, TaskStatus.in_review}


def report(name: str) -> Callable[[Builder], Builder]:
    """Register a report builder under `name`."""
    def add(builder: Builder) -> Builder:
        REPORTS[name] = builder
        return builder
    return add


@report("portfolio")
def portfolio(session: Session, now: datetime) -> Report:
    """One row per live project: its status and tasks across the tools, its budget approved
    versus actual, and the risk flags a manager looks for."""
    today = now.date()
    projects = list(session.scalars(select(Project).where(Project.deleted_at.is_(None))
                                    .order_by(Project.key, Project.name)))
    tasks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for project_id, status, due, risks in session.execute(
            select(Task.project_id, Task.status, Task.due_date, Task.risks)
            .where(Task.deleted_at.is_(None), Task.project_id.is_not(None))):
        counts = tasks[str(project_id)]
        counts["tasks"] += 1
        counts[TaskStatus(status).value] += 1
        if due is not None and due < today and TaskStatus(status) in _OPEN:
            counts["overdue"] += 1
        if risks:
            counts["at_risk"] += 1
    tools: dict[str, set[str]] = defaultdict(set)
    for project_id, connector_id in session.execute(
            select(Task.project_id, Link.connector_id).distinct()
            .join(Link, (Link.record_id == Task.id) & (Link.entity == Entity.task))
            .where(Task.deleted_at.is_(None), Link.deleted_at.is_(None))):
        tools[str(project_id)].add(connector_id)
    money: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(dict)
    for project_id, currency, planned, approved, actual in session.execute(
            select(BudgetLine.project_id, BudgetLine.currency, func.sum(BudgetLine.planned),
                   func.sum(BudgetLine.approved), func.sum(BudgetLine.actual))
            .where(BudgetLine.deleted_at.is_(None), BudgetLine.project_id.is_not(None))
            .group_by(BudgetLine.project_id, BudgetLine.currency)):
        money[str(project_id)][currency or ""] = {"planned": _dec(planned),
                                             "approved": _dec(approved),
                                             "actual": _dec(actual)}
    owners = {p.id: p.primary_email or p.display_name for p in session.scalars(
        select(Person).where(Person.id.in_([p.owner_id for p in projects if p.owner_id])))}
    rows = []
    for project in projects:
        counts = tasks.get(project.id, {})
        row: dict[str, Any] = {
            "key": project.key, "name": project.name, "status": project.status.value,
            "department": project.department, "owner": owners.get(project.owner_id or ""),
            "due_date": project.due_date.isoformat() if project.due_date else None,
            "tools": ", ".join(sorted(tools.get(project.id, ()))) or None,
            "tasks": counts.get("tasks", 0), "done": counts.get("done", 0),
            "in_progress": counts.get("in_progress", 0) + counts.get("in_review", 0),
            "blocked": counts.get("blocked", 0), "overdue": counts.get("overdue", 0),
            "budget_status": project.budget_status.value,
        }
        sums = money.get(project.id, {})
        if len(sums) == 1:
            (currency, amounts), = sums.items()
            row.update(currency=currency or None, **amounts,
                       remaining=amounts["approved"] - amounts["actual"])
        elif sums:
            row["currency"] = "mixed: " + ", ".join(sorted(c or "?" for c in sums))
        row["risks"] = _risks(project, row, counts, today)
        rows.append(row)
    return Report(name="portfolio", title="Project portfolio", columns=PORTFOLIO_COLUMNS,
                  rows=rows, generated_at=now)


def _risks(project: Project, row: dict[str, Any], counts: dict[str, int],
           today: date) -> list[str]:
    flags = []
    if row["budget_status"] == "rejected":
        flags.append("budget rejected")
    elif row["budget_status"] == "over_budget":
        flags.append("over budget")
    elif row["budget_status"] == "pending" and project.status.value == "active":
        flags.append("budget not approved")
    if project.due_date and project.due_date < today and project.status.value not in (
            "done", "cancelled"):
        flags.append("overdue")
    if counts.get("blocked"):
        flags.append(f"{counts['blocked']} blocked")
    if counts.get("overdue"):
        flags.append(f"{counts['overdue']} tasks overdue")
    if counts.get("at_risk"):
        flags.append(f"{counts['at_risk']} tasks at risk")
    return flags


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def build(name: str, session: Session, now: datetime) -> Report:
    """Build report `name`; KeyError for a report the hub doesn't know."""
    if name not in REPORTS:
        raise KeyError(f"no report {name!r} (known: {', '.join(sorted(REPORTS))})")
    return REPORTS[name](session, now)


async def publish_reports(rt: Runtime, connector_id: str, *, force: bool = False) -> list[str]:
    """Rebuild and publish the reports `connector_id` asks for whose data changed since they
    were last published; returns the names published. A tool refusing for now (`Retriable`,
    e.g. the workbook is open in Excel) is noted on the stream and raised."""
    connector = rt.connectors[connector_id]
    published = []
    for name in connector.reports():
        stream = f"report:{name}"
        with rt.sessions() as session:
            mark = str(session.scalar(select(func.max(AuditEntry.id))) or 0)
            row = session.get(SyncCursor, (connector_id, stream))
            if row is not None and row.value == mark and not force:
                continue
            built = build(name, session, rt.clock())
        try:
            await connector.publish(built)
        except HubError as exc:
            with rt.sessions.begin() as session:
                cursor = SyncCursor.of(session, connector_id, stream)
                cursor.last_error, cursor.last_error_at = str(exc), rt.clock()
            raise
        with rt.sessions.begin() as session:
            cursor = SyncCursor.of(session, connector_id, stream)
            cursor.value, cursor.updated_at = mark, rt.clock()
            cursor.last_success_at, cursor.last_error = rt.clock(), None
        published.append(name)
    return published
