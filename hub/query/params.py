"""Query parameters of the list and get endpoints, as models: documented in OpenAPI, and an
unknown parameter is an error (`extra="forbid"`), not silently ignored."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_LIMIT = 200
_CSV = "comma-separated for several"


class ItemParams(BaseModel):
    """What every read of one record takes: sparse fieldsets and extras."""

    model_config = ConfigDict(extra="forbid")

    fields: str | None = Field(None, max_length=2000, description=(
        "only these fields, comma-separated (the id is always there), e.g. id,title,status"))
    include: str | None = Field(None, max_length=200, description=(
        "extras, comma-separated: provenance (who set each field, when), sources (the tools "
        "holding the record), total (lists: how many records match)"))


class ListParams(ItemParams):
    """Paging, sorting and the filters every list has."""

    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="records per page")
    cursor: str | None = Field(None, max_length=4000,
                               description="next_cursor of the previous page")
    sort: str | None = Field(None, max_length=300, description=(
        "keys, comma-separated, - for descending, e.g. due_date,-updated_at (default: id)"))
    q: str | None = Field(None, min_length=1, max_length=200,
                          description="text search (case-insensitive) in the title or name")
    updated_since: datetime | None = Field(None, description="changed at or after this time")
    include_deleted: bool = Field(False, description="also records every tool deleted")


class DueParams(ListParams):
    due_before: date | None = Field(None, description="due on or before this day")
    due_after: date | None = Field(None, description="due on or after this day")
    overdue: bool | None = Field(None, description="past due and not done or cancelled")


class ProjectParams(DueParams):
    department: str | None = Field(None, max_length=500, description=_CSV)
    status: str | None = Field(None, max_length=200, description=_CSV)
    budget_status: str | None = Field(None, max_length=200, description=_CSV)
    owner: str | None = Field(None, max_length=320, description="owner's e-mail or person id")


class TaskParams(DueParams):
    project: str | None = Field(None, max_length=500,
                                description=f"project key or id, {_CSV}")
    department: str | None = Field(None, max_length=500,
                                   description=f"the project's department, {_CSV}")
    status: str | None = Field(None, max_length=200, description=_CSV)
    priority: str | None = Field(None, max_length=200, description=_CSV)
    assignee: str | None = Field(None, max_length=320,
                                 description="assignee's e-mail or person id")
    label: str | None = Field(None, max_length=200, description="has this label")
    risk: str | None = Field(None, max_length=200,
                             description="has this risk, e.g. assignee_inactive")


class PersonParams(ListParams):
    department: str | None = Field(None, max_length=500, description=_CSV)
    employment_status: str | None = Field(None, max_length=200, description=_CSV)
    email: str | None = Field(None, max_length=320, description="any of the person's e-mails")


class AbsenceParams(ListParams):
    person: str | None = Field(None, max_length=320, description="e-mail or person id")
    department: str | None = Field(None, max_length=500,
                                   description=f"the person's department, {_CSV}")
    kind: str | None = Field(None, max_length=200, description=_CSV)
    status: str | None = Field(None, max_length=200, description=_CSV)
    task: str | None = Field(None, max_length=64, description=(
        "of the people assigned to this task (with to_date: who is away before its due date)"))
    from_date: date | None = Field(None, description="overlapping days from this one")
    to_date: date | None = Field(None, description="overlapping days up to this one")


class BudgetLineParams(ListParams):
    project: str | None = Field(None, max_length=500,
                                description=f"project key or id, {_CSV}")
    department: str | None = Field(None, max_length=500,
                                   description=f"the project's department, {_CSV}")
    approval_status: str | None = Field(None, max_length=200, description=_CSV)
    period: str | None = Field(None, max_length=32)
    cost_center: str | None = Field(None, max_length=64)
    currency: str | None = Field(None, max_length=3)
