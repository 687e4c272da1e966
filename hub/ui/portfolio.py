"""The portfolio: every project the principal may see, with what a manager looks at first.

Projects come from the API's own list (`hub.query.records.list_records`: the same filters,
sorts, scope and fields); the figures beside them are a handful of grouped queries over the
listed projects, each asking the same policy what the principal reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.model.enums import Entity, TaskStatus
from hub.query.conflicts import readable
from hub.query.params import ProjectParams
from hub.query.records import list_records, make_view
from hub.store.canonical import BudgetLine, Project, Task
from hub.store.sync import Conflict, ConflictState

RISK_FILTERS = ("", "at_risk", "on_track")
LIMIT = 200
_CLOSED = (TaskStatus.done, TaskStatus.cancelled)


@dataclass(frozen=True)
class PortfolioQuery:
    """What the portfolio's filter form asks (validated by the API's own parameter model)."""

    department: str = ""
    status: str = ""
    risk: str = ""
    q: str = ""
    sort: str = "due_date"

    def params(self) -> ProjectParams:
        """The API's list parameters; ValidationError for values it refuses."""
        return ProjectParams.model_validate({k: v for k, v in {
            "department": self.department, "status": self.status, "q": self.q,
            "sort": self.sort, "limit": LIMIT}.items() if v not in ("", None)})


def portfolio(session: Session, principal: Principal, query: PortfolioQuery, today: date,
              kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """The projects, each with progress, budget, risks, open conflicts and tools."""
    params = query.params()
    view = make_view(Entity.project, principal, params, listing=True)
    projects = list_records(session, view, params, today, kinds).items
    figures = project_figures(session, principal, [p["id"] for p in projects], today)
    rows = []
    for project in projects:
        row = {**project, **figures.get(project["id"], _empty())}
        row["at_risk"] = bool(row["overdue"] or row["risky"] or row["behind"]
                              or row.get("over_budget"))
        if query.risk == "at_risk" and not row["at_risk"]:
            continue
        if query.risk == "on_track" and row["at_risk"]:
            continue
        rows.append(row)
    return rows


def _empty() -> dict[str, Any]:
    return {"total": 0, "done": 0, "due_by_now": 0, "overdue": 0, "risky": 0, "behind": False,
            "done_ratio": None, "planned_ratio": None, "budget": None, "conflicts": None}


def project_figures(session: Session, principal: Principal, ids: list[str],
                    today: date) -> dict[str, dict[str, Any]]:
    """Per project id: tasks done of total, due by today, overdue, at risk; budget burn per
    currency (if the principal reads budgets); open conflicts (if it reads conflicts)."""
    if not ids:
        return {}
    out = {pid: _empty() for pid in ids}
    # The listed projects (at most a page) on the small side of a join: the database hashes
    # them once instead of checking each task against the list.
    listed = select(Project.id).where(Project.id.in_(ids)).subquery("listed")
    live = (Task.deleted_at.is_(None), Task.status != TaskStatus.cancelled)
    postgres = session.get_bind().dialect.name == "postgresql"
    has_risks = func.jsonb_array_length(Task.risks) > 0 if postgres \
        else cast(Task.risks, String) != "[]"
    # Risks as the principal sees them: counted in SQL when it sees every risk, else per
    # task through the policy (a partner doesn't see HR-derived ones).
    sees_all_risks = not policy.hidden_values(principal, Entity.task, "risks")
    risky = func.sum(_flag(has_risks & Task.status.not_in(_CLOSED))) if sees_all_risks \
        else func.sum(0)
    for pid, status, due_now, overdue, count, risky_count in session.execute(
            select(Task.project_id, Task.status,
                   func.sum(_flag(Task.due_date <= today)),
                   func.sum(_flag(Task.due_date < today)), func.count(), risky)
            .join(listed, listed.c.id == Task.project_id)
            .where(*live).group_by(Task.project_id, Task.status)):
        figures = out[str(pid)]
        figures["total"] += int(count)
        figures["due_by_now"] += int(due_now or 0)
        figures["risky"] += int(risky_count or 0)
        if status is TaskStatus.done:
            figures["done"] += int(count)
        else:
            figures["overdue"] += int(overdue or 0)
    if not sees_all_risks:
        for pid, risks in session.execute(
                select(Task.project_id, Task.risks).join(listed, listed.c.id == Task.project_id)
                .where(*live, Task.status.not_in(_CLOSED), has_risks)):
            if policy.visible_value(principal, Entity.task, "risks", risks):
                out[str(pid)]["risky"] += 1
    for figures in out.values():
        total = figures["total"]
        figures["done_ratio"] = figures["done"] / total if total else None
        figures["planned_ratio"] = figures["due_by_now"] / total if total else None
        figures["behind"] = figures["done"] < figures["due_by_now"]
    if policy.entity_view(principal, Entity.budget_line) is not None:
        for pid, currency, approved, actual in session.execute(
                select(BudgetLine.project_id, BudgetLine.currency, func.sum(BudgetLine.approved),
                       func.sum(BudgetLine.actual))
                .where(BudgetLine.project_id.in_(ids), BudgetLine.deleted_at.is_(None))
                .group_by(BudgetLine.project_id, BudgetLine.currency)
                .order_by(BudgetLine.currency)):
            approved_sum, actual_sum = _money(approved), _money(actual)
            pid = str(pid)
            out[pid]["budget"] = [*(out[pid]["budget"] or []), {
                "currency": currency, "approved": approved_sum, "actual": actual_sum,
                "burn": float(actual_sum / approved_sum) if approved_sum else None}]
            out[pid]["over_budget"] = out[pid].get("over_budget") or actual_sum > approved_sum
    if policy.may_read_conflicts(principal):
        owner = func.coalesce(
            select(Task.project_id).where(Conflict.entity == Entity.task,
                                          Task.id == Conflict.record_id).scalar_subquery(),
            Conflict.record_id)
        for pid, count in session.execute(
                select(owner, func.count()).where(
                    Conflict.state == ConflictState.open, readable(principal),
                    or_(Conflict.entity == Entity.project, Conflict.entity == Entity.task))
                .group_by(owner)):
            if pid in out:
                out[pid]["conflicts"] = int(count)
        for figures in out.values():
            figures["conflicts"] = figures["conflicts"] or 0
    return out


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)
