"""Every table, imported in one place so metadata (and alembic) sees them all."""

from __future__ import annotations

import hub.store.search  # noqa: F401 - trigram indexes are created with the tables
from hub.model.enums import Entity
from hub.store.auth import ApiToken
from hub.store.base import Base
from hub.store.canonical import (
    Absence,
    Account,
    BudgetLine,
    Opportunity,
    Person,
    PersonEmail,
    Project,
    RecordMixin,
    Task,
    task_assignee,
    task_blocker,
)
from hub.store.comments import Comment
from hub.store.notify import Digest, Forecast, Notification
from hub.store.queue import JobRun
from hub.store.sync import (
    AuditEntry,
    Conflict,
    InboxItem,
    Link,
    MatchKey,
    PushIntent,
    PushRefusal,
    QuarantineItem,
    SyncCursor,
    WebhookHandshake,
    WebhookSecret,
)
from hub.store.ui import UiSession

metadata = Base.metadata

#: the table of each canonical entity
RECORD_TABLES: dict[Entity, type[RecordMixin]] = {
    Entity.project: Project, Entity.task: Task, Entity.person: Person,
    Entity.absence: Absence, Entity.budget_line: BudgetLine, Entity.comment: Comment,
    Entity.absence: Absence, Entity.budget_line: BudgetLine,
    Entity.account: Account, Entity.opportunity: Opportunity,
}

__all__ = [
    "RECORD_TABLES",
    "Absence",
    "Account",
    "ApiToken",
    "AuditEntry",
    "BudgetLine",
    "Comment",
    "Conflict",
    "Digest",
    "Forecast",
    "InboxItem",
    "JobRun",
    "Link",
    "MatchKey",
    "Notification",
    "Opportunity",
    "Person",
    "PersonEmail",
    "Project",
    "PushIntent",
    "PushRefusal",
    "QuarantineItem",
    "SyncCursor",
    "Task",
    "UiSession",
    "WebhookHandshake",
    "WebhookSecret",
    "metadata",
    "task_assignee",
    "task_blocker",
]
