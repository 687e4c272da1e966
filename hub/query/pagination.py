"""Sorting and keyset (cursor) pagination with a stable order.

A sort is a list of whitelisted keys, each ascending or descending, always ending with the
record id, so the order is total. Nulls sort last in both directions. The cursor is opaque to
clients: base64 of the sort and the last row's key values; the next page starts strictly after
them, so records updated between two pages are neither skipped nor repeated (for keys that
don't change with the update, such as the default order by id).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from hub.errors import HubError


class BadQuery(HubError):
    """A query parameter that can't be used; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


@dataclass(frozen=True)
class SortField:
    """A key clients may sort by: its SQL expression, and how a cursor value is read back."""

    expr: ColumnElement[Any]
    nullable: bool = False
    decode: Callable[[Any], Any] = lambda v: v


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool


@dataclass(frozen=True)
class Sort:
    """A parsed `sort=` value, ending with the id."""

    keys: tuple[SortKey, ...]

    @property
    def text(self) -> str:
        return ",".join(("-" if k.descending else "") + k.name for k in self.keys)


def parse_sort(text: str | None, allowed: Mapping[str, SortField], default: str = "id") -> Sort:
    """`due_date,-updated_at` -> a Sort; unknown or repeated keys are a BadQuery."""
    keys: list[SortKey] = []
    for part in (text or default).split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in allowed:
            raise BadQuery("sort", f"cannot sort by {name!r} (allowed: "
                                   f"{', '.join(sorted(allowed))}; prefix - for descending)")
        if any(k.name == name for k in keys):
            raise BadQuery("sort", f"{name!r} is given twice")
        keys.append(SortKey(name, descending))
        if name == "id":
            break  # the id is unique: keys after it never decide anything
    if keys[-1].name != "id":
        keys.append(SortKey("id", False))
    return Sort(tuple(keys))


def order_by(sort: Sort, allowed: Mapping[str, SortField]) -> list[ColumnElement[Any]]:
    """ORDER BY clauses for the sort, nulls last (spelled out: databases differ by default;
    PostgreSQL reads an ascending index in this order)."""
    clauses: list[ColumnElement[Any]] = []
    for key in sort.keys:
        field = allowed[key.name]
        clause = field.expr.desc() if key.descending else field.expr.asc()
        clauses.append(clause.nulls_last() if field.nullable else clause)
    return clauses


def encode_cursor(sort: Sort, values: Sequence[Any]) -> str:
    """The opaque cursor after a row with these key values (JSON values)."""
    raw = json.dumps({"s": sort.text, "v": list(values)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after_cursor(cursor: str, sort: Sort,
                 allowed: Mapping[str, SortField]) -> ColumnElement[bool]:
    """The condition for rows strictly after `cursor` in `sort` order."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        made_for, values = data["s"], data["v"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadQuery("cursor", "is not a cursor this API gave out (pass next_cursor back "
                                 "unchanged)") from None
    if made_for != sort.text or not isinstance(values, list) or len(values) != len(sort.keys):
        raise BadQuery("cursor", f"was made for sort={made_for}, not sort={sort.text}: "
                                 "keep the sort while paging") if isinstance(made_for, str) \
            else BadQuery("cursor", "is not a cursor this API gave out")
    try:
        decoded = [None if v is None else allowed[k.name].decode(v)
                   for k, v in zip(sort.keys, values, strict=True)]
    except (ValueError, TypeError, ArithmeticError):
        raise BadQuery("cursor", "is not a cursor this API gave out") from None
    return _after(list(sort.keys), decoded, allowed)


def _after(keys: list[SortKey], values: list[Any],
           allowed: Mapping[str, SortField]) -> ColumnElement[bool]:
    key, value, field = keys[0], values[0], allowed[keys[0].name]
    expr = field.expr
    if value is None:  # nulls are last: only more nulls can follow, decided by the next keys
        strictly: ColumnElement[bool] = false()
        equal: ColumnElement[bool] = expr.is_(None)
    else:
        beyond = expr < value if key.descending else expr > value
        strictly = or_(expr.is_(None), beyond) if field.nullable else beyond
        equal = expr == value
    if len(keys) == 1:
        return strictly
    return or_(strictly, and_(equal, _after(keys[1:], values[1:], allowed)))
