"""The budget gate: a project's `budget_status` from its budget lines.

- no live budget line: `unknown`
- any line rejected: `rejected`
- the actual costs of the approved lines exceed their approved amounts (in any one currency,
  summed over the project): `over_budget`
- any line still pending: `pending`
- otherwise: `approved`
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from hub.model.enums import ApprovalStatus, BudgetStatus, Entity
from hub.store.canonical import BudgetLine, Project
from hub.sync.derive import DeriveContext, Rule, chunks, register

WATCHED = ("project", "approval_status", "approved", "actual", "currency")


@dataclass
class _Lines:
    statuses: set[ApprovalStatus] = field(default_factory=set)
    approved: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    actual: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


def gate(lines: _Lines | None) -> BudgetStatus:
    """The project's budget status from its live lines."""
    if lines is None or not lines.statuses:
        return BudgetStatus.unknown
    if ApprovalStatus.rejected in lines.statuses:
        return BudgetStatus.rejected
    if any(lines.actual[c] > lines.approved[c] for c in lines.actual if c in lines.approved):
        return BudgetStatus.over_budget
    if ApprovalStatus.pending in lines.statuses:
        return BudgetStatus.pending
    return BudgetStatus.approved


def _projects(ctx: DeriveContext) -> set[str]:
    """Projects whose lines changed: the lines' projects now, and the ones they left."""
    lines = ctx.changes.ids(Entity.budget_line, WATCHED)
    found: set[str] = set()
    for batch in chunks(lines):
        found.update(pid for pid in ctx.session.scalars(
            select(BudgetLine.project_id).where(BudgetLine.id.in_(batch))) if pid)
    left = {str(key) for line in lines
            if (key := ctx.changes.old(Entity.budget_line, line, "project"))}
    for batch in chunks(left):
        found.update(ctx.session.scalars(select(Project.id).where(Project.key.in_(batch))))
    return found


def _derive(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
    projects = _projects(ctx)
    lines: dict[str, _Lines] = {}
    for batch in chunks(projects):
        for project_id, status, approved, actual, currency in ctx.session.execute(
                select(BudgetLine.project_id, BudgetLine.approval_status, BudgetLine.approved,
                       BudgetLine.actual, BudgetLine.currency)
                .where(BudgetLine.project_id.in_(batch), BudgetLine.deleted_at.is_(None))):
            entry = lines.setdefault(str(project_id), _Lines())
            entry.statuses.add(ApprovalStatus(status))
            if status == ApprovalStatus.approved and approved is not None:
                unit = currency or ""
                entry.approved[unit] += approved
                entry.actual[unit] += actual or Decimal(0)
    return {pid: {"budget_status": gate(lines.get(pid)).value} for pid in projects}


def statuses(project_lines: Iterable[tuple[str, Decimal | None, Decimal | None, str | None]]
             ) -> BudgetStatus:
    """The gate of one project's lines given as (status, approved, actual, currency)."""
    entry = _Lines()
    for status, approved, actual, currency in project_lines:
        entry.statuses.add(ApprovalStatus(status))
        if status == ApprovalStatus.approved and approved is not None:
            entry.approved[currency or ""] += approved
            entry.actual[currency or ""] += actual or Decimal(0)
    return gate(entry)


register(Rule(name="budget_status", target=Entity.project, sets=("budget_status",),
              watches={Entity.budget_line: WATCHED}, derive=_derive))
