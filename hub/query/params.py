"""Query parameters of the list and get endpoints, as models: documented in OpenAPI exactly as
the code reads them (names and enum values as patterns, dates and times in ISO 8601 only, text
without NUL), and an unknown parameter is an error (`extra="forbid"`), not silently ignored.

Patterns are checked as JSON Schema reads them (ECMA-262: found anywhere unless anchored, `$`
the very end), so a value the description allows is a value the code takes, and the other way
round.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue

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
from hub.model.schemas import SCHEMAS
from hub.model.text import NO_NUL, text_problem
from hub.query.pagination import CURSOR_PATTERN

MAX_LIMIT = 200
_CSV = "comma-separated for several"
#: the keys each entity sorts by (besides `id`)
SORT_KEYS: dict[Entity, tuple[str, ...]] = {
    Entity.project: ("key", "name", "status", "department", "start_date", "due_date",
                     "budget_status", "created_at", "updated_at"),
    Entity.task: ("title", "status", "priority", "start_date", "due_date", "completed_at",
                  "created_at", "updated_at"),
    Entity.person: ("display_name", "department", "employment_status", "created_at",
                    "updated_at"),
    Entity.absence: ("start", "end", "kind", "status", "created_at", "updated_at"),
    Entity.budget_line: ("period", "cost_center", "planned", "approved", "actual",
                         "approval_status", "created_at", "updated_at"),
    Entity.account: ("key", "name", "industry", "department", "created_at", "updated_at"),
    Entity.opportunity: ("name", "stage", "status", "amount", "close_date", "probability",
                         "department", "created_at", "updated_at"),
}
#: what records show besides their fields (`include=`); lists also count their matches
EXTRAS = ("provenance", "sources")
LIST_EXTRAS = (*EXTRAS, "total")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                       r"(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})")
_WHOLE = re.compile(r"-?[0-9]{1,18}")
#: what `str.strip()` takes away, as a character class: text that must be more than that
#: (names, titles) has `NOT_BLANK` as its pattern
WHITESPACE = (r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
              r"\u3000")
NOT_BLANK = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"


#: pattern -> what a value that doesn't match it is told (the problem's message)
PATTERN_MESSAGES: dict[str, Callable[[str], str]] = {
    NO_NUL: lambda value: text_problem(value) or "contains a NUL character",
    CURSOR_PATTERN: lambda value: "is not a cursor this API gave out (pass next_cursor back "
                                  "unchanged)",
    NOT_BLANK: lambda value: text_problem(value) or "can't be empty",
}


#: the OpenAPI extension that marks a list parameter (`hub.api.openapi` declares it as an array
#: of its enum, sent comma-separated: style form, explode false)
LIST_OF = "x-hub-list-of"


def list_of(names: Iterable[str], description: str,
            refused: Callable[[list[str], list[str]], str] | None = None) -> Any:
    """A parameter naming one or more of `names`, comma-separated (`a,b`), as OpenAPI sends an
    array of that enum. An item that isn't one is told `refused(bad, names)` (default: unknown
    ... (allowed: ...))."""
    names = list(dict.fromkeys(names))
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    pattern = f"^(?:{alternatives})(?:,(?:{alternatives}))*$"

    def message(value: str) -> str:
        bad = [part for part in value.split(",") if part not in names] or [value]
        return (refused or _unknown)([b or repr(b) for b in bad], names)

    PATTERN_MESSAGES.setdefault(pattern, message)
    listed: list[JsonValue] = list(names)
    return Field(None, pattern=pattern, description=description,
                 json_schema_extra={LIST_OF: listed})


def _unknown(bad: list[str], names: list[str]) -> str:
    return f"unknown {', '.join(bad)} (allowed: {', '.join(names)})"


def _not_one_of(bad: list[str], names: list[str]) -> str:
    return f"{bad[0]!r} is not one of: {', '.join(names)}"


def _not_a_key(bad: list[str], names: list[str]) -> str:
    keys = [n for n in names if not n.startswith("-")]
    return f"cannot sort by {bad[0].lstrip('-')!r} (allowed: {', '.join(keys)}; prefix - " \
           "for descending)"


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("is not a date (expected YYYY-MM-DD)")
    return value


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise ValueError("is not a date-time with a time zone (expected ISO 8601, e.g. "
                         "2026-05-01T09:00:00Z)")
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value not in ("true", "false"):
        raise ValueError("is not true or false")
    return value == "true"


def _whole(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not _WHOLE.fullmatch(value):
        raise ValueError("is not a whole number")
    return value


#: query values as the OpenAPI description states them (pydantic alone takes more: a Unix time
#: for a date-time, "yes" for true, "5.0" for 5)
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Whole = Annotated[int, BeforeValidator(_whole)]


def text(limit: int, description: str | None = None, min_length: int | None = None) -> Any:
    """A free-text query parameter: at most `limit` characters, no NUL."""
    return Field(None, max_length=limit, min_length=min_length, pattern=NO_NUL,
                 description=description)


def one_or_more(enum: type[StrEnum], description: str = _CSV) -> Any:
    """A filter on enum values, comma-separated for several."""
    return list_of([m.value for m in enum], description, refused=_not_one_of)


def fields_param(entity: Entity) -> Any:
    """`fields=`: the fields of `entity` (and the extras) a record shows."""
    return list_of([*SCHEMAS[entity].model_fields, *EXTRAS], (
        "only these fields, comma-separated (the id is always there), e.g. id,title,status; "
        "a field your token can't read is refused"))


def include_param(extras: tuple[str, ...] = EXTRAS) -> Any:
    """`include=`: extras, comma-separated."""
    return list_of(extras, (
        "extras, comma-separated: provenance (who set each field, when), sources (the tools "
        "holding the record)" + (", total (how many records match)" if "total" in extras
                                 else "")))


def sort_keys_param(keys: Iterable[str], description: str) -> Any:
    """`sort=`: keys, comma-separated, each ascending or (after -) descending."""
    keys = list(keys)
    return list_of([*keys, *(f"-{k}" for k in keys)], description, refused=_not_a_key)


def sort_param(entity: Entity) -> Any:
    """`sort=` of a list of `entity` records."""
    return sort_keys_param(("id", *SORT_KEYS[entity]), (
        "keys, comma-separated, - for descending, e.g. due_date,-updated_at (default: id); "
        "a key your token can't read is refused"))


def cursor_param() -> Any:
    """`cursor=`: the opaque `next_cursor` of the previous page."""
    return Field(None, max_length=4000, pattern=CURSOR_PATTERN, description=(
        "next_cursor of the previous page, unchanged, with the same sort"))


class Strict(BaseModel):
    """Query models: unknown parameters refused. Patterns run on pydantic's regex engine, which
    reads them as JSON Schema does (`$` is the end, not the place before a final newline)."""

    model_config = ConfigDict(extra="forbid")


class ItemParams(Strict):
    """What every read of one record takes: sparse fieldsets and extras."""

    fields: str | None = Field(None, max_length=4000, pattern=NO_NUL)
    include: str | None = include_param()


class ProjectItem(ItemParams):
    fields: str | None = fields_param(Entity.project)


class TaskItem(ItemParams):
    fields: str | None = fields_param(Entity.task)


class PersonItem(ItemParams):
    fields: str | None = fields_param(Entity.person)


class AbsenceItem(ItemParams):
    fields: str | None = fields_param(Entity.absence)


class BudgetLineItem(ItemParams):
    fields: str | None = fields_param(Entity.budget_line)


class AccountItem(ItemParams):
    fields: str | None = fields_param(Entity.account)


class OpportunityItem(ItemParams):
    fields: str | None = fields_param(Entity.opportunity)


class ListParams(ItemParams):
    """Paging, sorting and the filters every list has."""

    include: str | None = include_param(LIST_EXTRAS)
    limit: Whole = Field(50, ge=1, le=MAX_LIMIT, description="records per page")
    cursor: str | None = cursor_param()
    sort: str | None = Field(None, max_length=300, pattern=NO_NUL)
    q: str | None = text(200, "text search (case-insensitive) in the title or name",
                         min_length=1)
    updated_since: IsoDateTime | None = Field(None, description=(
        "changed at or after this time (ISO 8601 with a time zone)"))
    include_deleted: Flag = Field(False, description="also records every tool deleted")


class DueParams(ListParams):
    due_before: IsoDate | None = Field(None, description="due on or before this day")
    due_after: IsoDate | None = Field(None, description="due on or after this day")
    overdue: Flag | None = Field(None, description="past due and not done or cancelled")


class ProjectParams(DueParams):
    fields: str | None = fields_param(Entity.project)
    sort: str | None = sort_param(Entity.project)
    department: str | None = text(500, _CSV)
    status: str | None = one_or_more(ProjectStatus)
    budget_status: str | None = one_or_more(BudgetStatus)
    owner: str | None = text(320, "owner's e-mail or person id")


class TaskParams(DueParams):
    fields: str | None = fields_param(Entity.task)
    sort: str | None = sort_param(Entity.task)
    project: str | None = text(500, f"project key or id, {_CSV}")
    department: str | None = text(500, f"the project's department, {_CSV}")
    status: str | None = one_or_more(TaskStatus)
    priority: str | None = one_or_more(Priority)
    assignee: str | None = text(320, "assignee's e-mail or person id")
    label: str | None = text(200, "has this label")
    risk: str | None = text(200, "has this risk, e.g. assignee_inactive")


class PersonParams(ListParams):
    fields: str | None = fields_param(Entity.person)
    sort: str | None = sort_param(Entity.person)
    department: str | None = text(500, _CSV)
    employment_status: str | None = one_or_more(EmploymentStatus)
    email: str | None = text(320, "any of the person's e-mails")


class AbsenceParams(ListParams):
    fields: str | None = fields_param(Entity.absence)
    sort: str | None = sort_param(Entity.absence)
    person: str | None = text(320, "e-mail or person id")
    department: str | None = text(500, f"the person's department, {_CSV}")
    kind: str | None = one_or_more(AbsenceKind)
    status: str | None = one_or_more(AbsenceStatus)
    task: str | None = text(64, "of the people assigned to this task (with to_date: who is "
                                "away before its due date)")
    from_date: IsoDate | None = Field(None, description="overlapping days from this one")
    to_date: IsoDate | None = Field(None, description="overlapping days up to this one")


class BudgetLineParams(ListParams):
    fields: str | None = fields_param(Entity.budget_line)
    sort: str | None = sort_param(Entity.budget_line)
    project: str | None = text(500, f"project key or id, {_CSV}")
    department: str | None = text(500, f"the project's department, {_CSV}")
    approval_status: str | None = one_or_more(ApprovalStatus)
    period: str | None = text(32)
    cost_center: str | None = text(64)
    currency: str | None = text(3)


class AccountParams(ListParams):
    fields: str | None = fields_param(Entity.account)
    sort: str | None = sort_param(Entity.account)
    department: str | None = text(500, f"the owning sales team, {_CSV}")
    industry: str | None = text(500, _CSV)
    owner: str | None = text(320, "owner's e-mail or person id")


class OpportunityParams(ListParams):
    fields: str | None = fields_param(Entity.opportunity)
    sort: str | None = sort_param(Entity.opportunity)
    account: str | None = text(500, f"account key or id, {_CSV}")
    department: str | None = text(500, f"the owning sales team, {_CSV}")
    status: str | None = one_or_more(OpportunityStatus)
    stage: str | None = text(500, f"the CRM's stage name, {_CSV}")
    owner: str | None = text(320, "owner's e-mail or person id")
    project: str | None = text(500, f"the delivery project's key or id, {_CSV}")
    close_before: IsoDate | None = Field(None, description="closing on or before this day")
    close_after: IsoDate | None = Field(None, description="closing on or after this day")


#: the filters of each entity's list (its parameters besides paging, fields and extras)
PAGING = frozenset({"fields", "include", "limit", "cursor", "sort"})
LIST_PARAMS: dict[Entity, type[ListParams]] = {
    Entity.project: ProjectParams, Entity.task: TaskParams, Entity.person: PersonParams,
    Entity.absence: AbsenceParams, Entity.budget_line: BudgetLineParams,
    Entity.account: AccountParams, Entity.opportunity: OpportunityParams,
}
ITEM_PARAMS: dict[Entity, type[ItemParams]] = {
    Entity.project: ProjectItem, Entity.task: TaskItem, Entity.person: PersonItem,
    Entity.absence: AbsenceItem, Entity.budget_line: BudgetLineItem,
    Entity.account: AccountItem, Entity.opportunity: OpportunityItem,
}
