"""Lists and single reads of canonical records, as JSON-ready dicts.

Rows are read with Core selects (no ORM identity map, no relationship loading per row); what a
record shows besides its columns (assignees, e-mails, sources) comes in the same query, as
JSON lists (see `hub.query.related`): a page is one round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Integer, String, func, inspect, or_, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.model.schemas import SCHEMAS
from hub.query import params as p
from hub.query.filters import NOUNS, conditions, sortable
from hub.query.pagination import (
    BadQuery,
    Sort,
    after_cursor,
    encode_cursor,
    order_by,
    parse_sort,
)
from hub.query.plans import PLAN_WITH_VALUES
from hub.query.related import JOINED, SOURCES, related_columns, source_refs
from hub.query.scope import visible
from hub.store.canonical import Account, Project
from hub.store.tables import RECORD_TABLES
from hub.sync.records import engine_fields, field_provenance


class NotFound(BadQuery):
    """No such record, or none the caller may know exists (the same answer, on purpose)."""

    def __init__(self, entity: Entity | str, record_id: str) -> None:
        noun = entity.value.replace("_", " ") if isinstance(entity, Entity) else entity
        super().__init__("id", f"no {noun} {record_id!r}")


@dataclass(frozen=True)
class View:
    """How records are shown to one caller: which fields and extras (`hub.auth.policy`)."""

    entity: Entity
    principal: Principal
    fields: frozenset[str] | None
    provenance: bool
    sources: bool
    total: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The record fields this caller may see."""
        return policy.readable_fields(self.principal, self.entity)


def make_view(entity: Entity, principal: Principal, params: p.ItemParams,
              listing: bool = False) -> View:
    """Check `fields=` and `include=` against what exists and what the caller may read."""
    allowed_includes = p.LIST_EXTRAS if listing else p.EXTRAS
    include = _names(params.include)
    if unknown := sorted(include - set(allowed_includes)):
        raise BadQuery("include", f"unknown {', '.join(unknown)} (allowed: "
                                  f"{', '.join(allowed_includes)})")
    fields: frozenset[str] | None = None
    if params.fields is not None:
        wanted = _names(params.fields)
        known = set(SCHEMAS[entity].model_fields) | set(p.EXTRAS)
        if unknown := sorted(wanted - known):
            raise BadQuery("fields", f"unknown {', '.join(unknown)} (fields: "
                                     f"{', '.join(sorted(known))})")
        fields = frozenset(wanted | {"id"})
    for param, asked in (("fields", fields or set()), ("include", include)):
        if hidden := sorted(n for n in asked if n in known_names(entity)
                            and not policy.may_read(principal, entity, n)):
            raise BadQuery(param, f"a {principal.role.value} token can't read "
                                  f"{', '.join(hidden)} of {NOUNS[entity]}")
    return View(entity, principal, fields,
                provenance="provenance" in include or bool(fields and "provenance" in fields),
                # sources by default, where the caller may read them
                sources="sources" in include or ((fields is None or "sources" in fields)
                and policy.may_read(principal, entity, "sources")),
                total="total" in include)


def known_names(entity: Entity) -> frozenset[str]:
    """The names `fields=` and `include=` may hold for `entity` that are data (not `total`)."""
    return frozenset([*SCHEMAS[entity].model_fields, *p.EXTRAS])


def _names(text: str | None) -> set[str]:
    return {part.strip() for part in (text or "").split(",") if part.strip()}


@dataclass
class Page:
    """One page of a list."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"items": self.items, "next_cursor": self.next_cursor}
        if self.total is not None:
            out["total"] = self.total
        return out


def list_records(session: Session, view: View, params: p.ListParams, today: date,
                 kinds: Mapping[str, str]) -> Page:
    """One page of the records the caller may see that match the filters."""
    entity, table = view.entity, RECORD_TABLES[view.entity]
    # The sort keys are fields the caller reads, so the cursor holds nothing else.
    allowed, hidden = sortable(entity, view.principal)
    sort = parse_sort(params.sort, allowed, hidden=hidden)
    where = [visible(entity, view.principal), *conditions(entity, params, today, view.principal)]
    ordering = order_by(sort, allowed)
    page = select(table.id).where(*where)
    if params.cursor:
        page = page.where(after_cursor(params.cursor, sort, allowed))
    # The page's ids first, then their rows and lists (one statement): the lists' subqueries
    # run for the rows shown, never for the rows a sort passes over.
    ids = page.order_by(*ordering).limit(params.limit + 1).subquery("page")
    keys = [allowed[k.name].expr.label(f"_k{i}") for i, k in enumerate(sort.keys)]
    query = select(*_columns(session, entity, view), *keys) \
        .join_from(table, ids, table.id == ids.c.id).order_by(*ordering)
    # Core rows through the session's connection: no ORM result machinery per row
    rows = session.connection().execute(query.execution_options(**PLAN_WITH_VALUES)).all()
    more = len(rows) > params.limit
    rows = rows[:params.limit]
    cursor = _cursor(view, sort, rows[-1]) if more else None
    total = None
    if view.total:
        total = int(session.scalar(select(func.count()).select_from(table).where(*where)
                                   .execution_options(**PLAN_WITH_VALUES)) or 0)
    return Page(render(view, rows, kinds), cursor, total)


def _cursor(view: View, sort: Sort, row: Any) -> str:
    """The cursor after `row`: the values of its sort keys, each a field the caller reads."""
    for key in sort.keys:
        if not policy.may_sort(view.principal, view.entity, key.name):
            raise AssertionError(f"sort key {key.name} is not readable by this caller")
    return encode_cursor(sort, [to_json(row._mapping[f"_k{i}"]) for i in range(len(sort.keys))])


def get_record(session: Session, view: View, record_id: str,
               kinds: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    """One record by id (projects also by key), if the caller may see it, and its version."""
    row = find_row(session, view.entity, view.principal, record_id, view)
    return render(view, [row], kinds)[0], int(row.version)


def find_row(session: Session, entity: Entity, principal: Principal,
             record_id: str, view: View | None = None) -> Any:
    """The row of a record the principal may see; NotFound otherwise."""
    table = RECORD_TABLES[entity]
    match: ColumnElement[bool] = table.id == record_id
    if entity is Entity.project:
        match = or_(match, Project.key == record_id)
    elif entity is Entity.account:
        match = or_(match, Account.key == record_id)
    row = session.execute(select(*_columns(session, entity, view)).where(
        match, visible(entity, principal)).limit(1)).first()
    if row is None:
        raise NotFound(entity, record_id)
    return row


def _columns(session: Session, entity: Entity, view: View | None) -> list[Any]:
    """The columns a view shows (provenance, a large JSON, only when asked for), and its
    lists from other tables; every column without a view."""
    columns = inspect(RECORD_TABLES[entity]).columns
    if view is None:
        return list(columns)
    wanted = {"id", "version", "custom", *(view.fields or view.names)}
    if view.provenance:
        wanted.add("provenance")
    return [*(c for c in columns if c.key in wanted),
            *related_columns(session.get_bind().dialect.name, entity, tuple(_shown(view)),
                             view.sources)]


def _shown(view: View) -> list[str]:
    """The fields of a view, in schema order."""
    return [n for n in view.names if view.fields is None or n in view.fields]


@cache
def _renderers(entity: Entity) -> dict[str, Callable[[Any], Any] | None]:
    """Column -> how its value becomes JSON (None: it already is), by the column's type."""
    out: dict[str, Callable[[Any], Any] | None] = {}
    for column in inspect(RECORD_TABLES[entity]).columns:
        kind = column.type
        if isinstance(kind, String | Integer | Boolean | JSON) and not isinstance(kind, SAEnum):
            out[column.key] = None  # JSON columns hold JSON values already
        elif isinstance(kind, SAEnum):
            out[column.key] = _enum_value
        else:
            out[column.key] = to_json
    return out


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def render(view: View, rows: Sequence[Any], kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows (read with this view's columns) as the API shows them to this caller."""
    entity = view.entity
    renderers = _renderers(entity)
    names = _shown(view)
    convert = [(n, renderers.get(n, to_json)) for n in names if n not in JOINED]
    joined = [n for n in JOINED if n in names]  # after the columns, as the API always had them
    # fields whose values the caller sees only in part (a partner's task risks)
    filtered = [n for n in names if n in policy.partial_fields(view.principal, entity)]
    out = []
    for row in rows:
        data = row._mapping
        item = {n: data[n] if fn is None or data[n] is None else fn(data[n])
                for n, fn in convert}
        for name in joined:
            item[name] = data[name] or []  # JSON already; NULL: the record has none
        for name in filtered:
            item[name] = policy.visible_value(view.principal, entity, name, item[name])
        if view.sources:
            item["sources"] = source_refs(data[SOURCES], kinds)
        if view.provenance:
            item["provenance"] = provenance(view.principal, entity, data["provenance"] or {},
                                            data["custom"] or {})
        out.append(item)
    return out


def provenance(principal: Principal, entity: Entity, stored: dict[str, Any],
               custom: dict[str, Any]) -> dict[str, Any]:
    """Per field the principal reads whole: which source set it, when (the source's time) and
    at which version."""
    out = {}
    for name in [*engine_fields(entity), *(f"custom.{k}" for k in custom)]:
        if not policy.may_read(principal, entity, name) \
                or policy.hidden_values(principal, entity, policy.field_of(entity, name)):
            continue
        entry = field_provenance(stored, name)
        if entry:
            out[name] = {"source": entry.get("source"), "at": entry.get("at"),
                         "version": entry.get("v")}
    return out
