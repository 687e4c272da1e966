"""Canonical entities: typed columns for what the API filters on, JSON `custom` for the rest."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, Enum, ForeignKey, Index, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.model.enums import (
    AbsenceKind,
    AbsenceStatus,
    ApprovalStatus,
    BudgetStatus,
    EmploymentStatus,
    OpportunityStatus,
    Priority,
    ProjectStatus,
    TaskStatus,
)
from hub.store.base import Base, IdMixin, JSONType, TimestampMixin, utcnow


def enum_column(enum: type[StrEnum]) -> Enum:
    """Store an enum as its string value, without a native DB type (migrations stay simple)."""
    return Enum(enum, native_enum=False, length=24, create_constraint=False,
                values_callable=lambda e: [m.value for m in e])


class RecordMixin(IdMixin, TimestampMixin):
    """What every canonical record has: a version for ETags, a tombstone, free-form fields, and
    per-field provenance.

    `provenance` maps each field to who last set it: `{"source": connector id or "api:<name>",
    "link": link id, "at": the source's change time (ISO), "v": the hub version}`. It lives on
    the row, not in a table of its own, so a change costs one write, not one per field.
    """

    version: Mapped[int] = mapped_column(default=1)
    # "What changed since?" is a question managers and the API ask of records.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)



class Person(RecordMixin, Base):
    """One human across all tools; HR is usually the authority on these fields."""

    __tablename__ = "person"

    display_name: Mapped[str] = mapped_column(String(200))
    primary_email: Mapped[str | None] = mapped_column(String(320), unique=True)
    department: Mapped[str | None] = mapped_column(String(120), index=True)
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        enum_column(EmploymentStatus), default=EmploymentStatus.active, index=True)

    emails: Mapped[list[PersonEmail]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin")
    manager: Mapped[Person | None] = relationship(remote_side="Person.id", lazy="selectin")


class PersonEmail(Base):
    """Every e-mail a person is known by, case-folded, so any tool's user resolves to them."""

    __tablename__ = "person_email"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship(back_populates="emails")


class Project(RecordMixin, Base):
    """A project as the departments share it."""

    __tablename__ = "project"

    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus), default=ProjectStatus.active, index=True)
    raw_status: Mapped[str | None] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(120), index=True)
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    budget_status: Mapped[BudgetStatus] = mapped_column(
        enum_column(BudgetStatus), default=BudgetStatus.unknown, index=True)
    url: Mapped[str | None] = mapped_column(String(2000))

    owner: Mapped[Person | None] = relationship(lazy="selectin")


task_assignee = Table(
    "task_assignee",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True),
)

task_blocker = Table(
    "task_blocker",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("blocked_by_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Task(RecordMixin, Base):
    """A unit of work; `raw_status` keeps the tool's own status name beside the canonical one."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_project_id_status", "project_id", "status"),
        Index("ix_task_project_id_due_date", "project_id", "due_date"),
    )

    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus), default=TaskStatus.todo, index=True)
    raw_status: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[Priority | None] = mapped_column(enum_column(Priority))
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column()
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), index=True)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    risks: Mapped[list[str]] = mapped_column(JSONType, default=list)

    project: Mapped[Project | None] = relationship(lazy="selectin")
    assignees: Mapped[list[Person]] = relationship(secondary=task_assignee, lazy="selectin")
    blocked_by: Mapped[list[Task]] = relationship(
        secondary=task_blocker,
        primaryjoin=lambda: Task.id == task_blocker.c.task_id,
        secondaryjoin=lambda: Task.id == task_blocker.c.blocked_by_id,
        lazy="selectin",
    )


class Absence(RecordMixin, Base):
    """Time a person is away, for "who is out before this due date?"."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_person_id_start", "person_id", "start"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[AbsenceKind] = mapped_column(enum_column(AbsenceKind), default=AbsenceKind.other)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    status: Mapped[AbsenceStatus] = mapped_column(
        enum_column(AbsenceStatus), default=AbsenceStatus.approved)

    person: Mapped[Person] = relationship(lazy="selectin")


class BudgetLine(RecordMixin, Base):
    """One line of a project's budget, usually owned by finance's exports."""

    __tablename__ = "budget_line"
    __table_args__ = (Index("ix_budget_line_project_id_period", "project_id", "period"),)

    project_id: Mapped[str | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    cost_center: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(3))
    planned: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    approved: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    actual: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    approval_status: Mapped[ApprovalStatus] = mapped_column(
        enum_column(ApprovalStatus), default=ApprovalStatus.pending, index=True)

    project: Mapped[Project | None] = relationship(lazy="selectin")


class Account(RecordMixin, Base):
    """A customer as the CRM knows it (Salesforce's Account)."""

    __tablename__ = "account"

    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(120), index=True)
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))

    owner: Mapped[Person | None] = relationship(lazy="selectin")


class Opportunity(RecordMixin, Base):
    """A deal; once won it is linked to the delivery project it became."""

    __tablename__ = "opportunity"

    name: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True)
    stage: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[OpportunityStatus] = mapped_column(
        enum_column(OpportunityStatus), default=OpportunityStatus.open, index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    close_date: Mapped[date | None] = mapped_column(Date, index=True)
    probability: Mapped[int | None] = mapped_column()
    department: Mapped[str | None] = mapped_column(String(120), index=True)
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    project_id: Mapped[str | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))

    account: Mapped[Account | None] = relationship(lazy="selectin")
    owner: Mapped[Person | None] = relationship(lazy="selectin")
    project: Mapped[Project | None] = relationship(lazy="selectin")
