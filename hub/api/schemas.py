"""Response shapes of the unified API, for OpenAPI: the canonical schemas with every field
optional (`fields=` leaves some out, partners see less), plus `sources` and `provenance`."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, create_model

from hub.model.enums import Entity
from hub.model.schemas import SCHEMAS


class SourceRef(BaseModel):
    """One tool holding the record, with a deep link into it."""

    connector: str = Field(description="connector id from the hub's config")
    kind: str | None = Field(None, description="jira, asana, excel, ...")
    remote_type: str
    remote_id: str
    url: str | None = Field(None, description="the record in that tool")


class FieldProvenance(BaseModel):
    """Who last set a field: a connector id or api:<token name>, and when."""

    source: str | None = None
    at: str | None = Field(None, description="the source's change time (ISO 8601)")
    version: int | None = Field(None, description="the record's version it was set at")


@cache
def view_model(entity: Entity) -> type[BaseModel]:
    """One record as the API shows it."""
    schema = SCHEMAS[entity]
    fields: dict[str, Any] = {
        name: (Optional[info.annotation], Field(None, description=info.description))  # noqa: UP045
        for name, info in schema.model_fields.items()}
    fields["sources"] = (list[SourceRef] | None, None)
    fields["provenance"] = (dict[str, FieldProvenance] | None,
                            Field(None, description="per field, with include=provenance"))
    name = schema.__name__.removesuffix("Schema")
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


@cache
def page_model(entity: Entity) -> type[BaseModel]:
    """A page of a list."""
    item = view_model(entity)
    return create_model(
        f"{item.__name__}Page", items=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(str | None, Field(None, description="pass as cursor= for the next page; "
                                                         "null on the last page")),
        total=(int | None, Field(None, description="with include=total")))


class Change(BaseModel):
    """One change of one record, as the change feed and overviews show it."""

    id: int = Field(description="position in the feed; pass as since= to read on")
    entity: str
    record_id: str
    action: str = Field(description="create, update, delete, revert or resolve")
    changes: dict[str, Any] | None = Field(None, description=(
        "per field: {old, new} (update, resolve), the value (create), {rejected, kept} "
        "(revert)"))
    source: str = Field(description="connector id or api:<token name>")
    at: datetime


class ChangePage(BaseModel):
    items: list[Change]
    next_cursor: str | None = Field(None, description="the last id: pass as since=")


class ProjectSummary(BaseModel):
    id: str
    key: str | None = None
    name: str
    status: str
    due_date: str | None = None


class Progress(BaseModel):
    """Done against planned: `due_by_now` tasks should be done by today."""

    total: int = Field(description="tasks, without cancelled ones")
    done: int
    due_by_now: int
    done_ratio: float | None = None
    planned_ratio: float | None = None
    on_track: bool = Field(description="at least as many done as due by now")


class BudgetTotals(BaseModel):
    """Sums of a project's budget lines in one currency (decimal strings)."""

    currency: str | None = None
    lines: int
    planned: str | None = None
    approved: str | None = None
    actual: str | None = None
    remaining: str = Field(description="approved - actual")
    over_budget: bool


class RecentChange(BaseModel):
    id: int
    entity: str
    record_id: str
    action: str
    fields: list[str]
    source: str
    at: str


class Overview(BaseModel):
    """A project at a glance."""

    project: ProjectSummary
    tasks_by_status: dict[str, int]
    overdue: int
    progress: Progress
    budget: list[BudgetTotals] | None = Field(None, description="per currency; not for partners")
    open_conflicts: int | None = Field(None, description="not for roles that can't read "
                                                         "conflicts (partners)")
    last_changes: list[RecentChange]
