"""Pydantic views of the canonical records: what the API returns and the engine validates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.model.enums import (
    AbsenceKind,
    AbsenceStatus,
    ApprovalStatus,
    BudgetStatus,
    EmploymentStatus,
    Entity,
    OpportunityStatus,
    Priority,
    ProjectStatus,
    TaskStatus,
)


class RecordSchema(BaseModel):
    """Fields every canonical record has."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    version: int = Field(description="increases on every change; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    custom: dict[str, Any] = Field(default_factory=dict)


class PersonRef(BaseModel):
    """A person as other records mention them."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    display_name: str


class PersonSchema(RecordSchema):
    display_name: str
    primary_email: str | None = None
    emails: list[str] = Field(default_factory=list)
    department: str | None = None
    manager_id: str | None = None
    employment_status: EmploymentStatus = EmploymentStatus.active

    @field_validator("emails", mode="before")
    @classmethod
    def _email_strings(cls, value: Any) -> Any:
        return [getattr(v, "email", v) for v in value] if isinstance(value, list) else value


class ProjectSchema(RecordSchema):
    key: str | None = None
    name: str
    description: str | None = None
    status: ProjectStatus = ProjectStatus.active
    raw_status: str | None = None
    department: str | None = None
    owner_id: str | None = None
    start_date: date | None = None
    due_date: date | None = None
    budget_status: BudgetStatus = BudgetStatus.unknown
    url: str | None = None


class TaskSchema(RecordSchema):
    project_id: str | None = None
    title: str
    description: str | None = None
    status: TaskStatus = TaskStatus.todo
    raw_status: str | None = Field(default=None, description="the tool's own status name")
    priority: Priority | None = None
    assignees: list[PersonRef] = Field(default_factory=list)
    due_date: date | None = None
    start_date: date | None = None
    completed_at: datetime | None = None
    parent_id: str | None = None
    blocked_by: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list, description="e.g. assignee_inactive")

    @field_validator("blocked_by", mode="before")
    @classmethod
    def _blocker_ids(cls, value: Any) -> Any:
        return [getattr(v, "id", v) for v in value] if isinstance(value, list) else value


class AbsenceSchema(RecordSchema):
    person_id: str
    kind: AbsenceKind = AbsenceKind.other
    start: date
    end: date
    status: AbsenceStatus = AbsenceStatus.approved


class BudgetLineSchema(RecordSchema):
    project_id: str | None = None
    cost_center: str | None = None
    period: str | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    planned: Decimal | None = None
    approved: Decimal | None = None
    actual: Decimal | None = None
    approval_status: ApprovalStatus = ApprovalStatus.pending


class CommentSchema(RecordSchema):
    task_id: str
    author_id: str | None = None
    author_name: str | None = None
    body: str = ""
    mentions: list[dict[str, Any]] = Field(default_factory=list)
    attachments: list[dict[str, Any]] = Field(default_factory=list)
    kind: str = "comment"
    written_at: datetime | None = None
    edited_at: datetime | None = None
    source: str
    source_remote_id: str
    internal: bool = False


class AccountSchema(RecordSchema):
    """A customer as the CRM knows it."""

    key: str | None = Field(default=None, description="the CRM's account number or id")
    name: str
    industry: str | None = None
    department: str | None = Field(default=None, description="the sales team that owns it")
    owner_id: str | None = None
    url: str | None = None


class OpportunitySchema(RecordSchema):
    """A deal; `project_id` is the delivery project it became."""

    name: str
    account_id: str | None = None
    stage: str | None = Field(default=None, description="the CRM's own stage name")
    status: OpportunityStatus = OpportunityStatus.open
    amount: Decimal | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    close_date: date | None = None
    probability: int | None = Field(default=None, ge=0, le=100)
    department: str | None = Field(default=None, description="the sales team that owns it")
    owner_id: str | None = None
    project_id: str | None = Field(default=None, description="the delivery project it became")
    url: str | None = None


#: the schema of each canonical entity
SCHEMAS: dict[Entity, type[RecordSchema]] = {
    Entity.project: ProjectSchema, Entity.task: TaskSchema, Entity.person: PersonSchema,
    Entity.absence: AbsenceSchema, Entity.budget_line: BudgetLineSchema,
    Entity.comment: CommentSchema,
    Entity.account: AccountSchema, Entity.opportunity: OpportunitySchema,
}
