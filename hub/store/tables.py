"""Every table, imported in one place so metadata (and alembic) sees them all."""

from __future__ import annotations

from hub.store.base import Base
from hub.store.canonical import (
    Absence,
    BudgetLine,
    Person,
    PersonEmail,
    Project,
    Task,
    task_assignee,
    task_blocker,
)
from hub.store.sync import (
    AuditEntry,
    Conflict,
    InboxItem,
    Link,
    MatchKey,
    PushIntent,
    QuarantineItem,
    SyncCursor,
)

metadata = Base.metadata

__all__ = [
    "Absence", "AuditEntry", "BudgetLine", "Conflict", "InboxItem", "Link", "MatchKey",
    "Person", "PersonEmail", "Project", "PushIntent", "QuarantineItem", "SyncCursor", "Task",
    "metadata", "task_assignee", "task_blocker",
]
