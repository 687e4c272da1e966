"""Small, closed canonical enums. The tool's own value is always kept beside them."""

from __future__ import annotations

from enum import StrEnum


class Entity(StrEnum):
    """The canonical entity types a link can point at."""

    project = "project"
    task = "task"
    person = "person"
    absence = "absence"
    budget_line = "budget_line"
    comment = "comment"
    account = "account"
    opportunity = "opportunity"


class TaskStatus(StrEnum):
    todo = "todo"
    in_progress = "in_progress"
    blocked = "blocked"
    in_review = "in_review"
    done = "done"
    cancelled = "cancelled"


class ProjectStatus(StrEnum):
    planned = "planned"
    active = "active"
    on_hold = "on_hold"
    done = "done"
    cancelled = "cancelled"


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class BudgetStatus(StrEnum):
    """A project's budget gate, derived from its budget lines."""

    unknown = "unknown"
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    over_budget = "over_budget"


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class EmploymentStatus(StrEnum):
    active = "active"
    on_leave = "on_leave"
    terminated = "terminated"


class AbsenceKind(StrEnum):
    vacation = "vacation"
    sick = "sick"
    parental = "parental"
    training = "training"
    other = "other"


class AbsenceStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    denied = "denied"
    cancelled = "cancelled"


class OpportunityStatus(StrEnum):
    """Where a deal stands; the CRM's own stage name is kept beside it (`stage`)."""

    open = "open"
    won = "won"
    lost = "lost"
