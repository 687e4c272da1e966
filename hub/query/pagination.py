"""Sorting and keyset (cursor) pagination with a stable order.

A sort is a list of whitelisted keys, each ascending or descending, always ending with the
record id, so the order is total. Nulls sort last in both directions. The cursor is opaque to
clients: base64 of the sort and the last row's key values; the next page starts strictly after
them, so records updated between two pages are neither skipped nor repeated (for keys that
don't change with the update, such as the default order by id).

A cursor carries nothing its caller can't read: its keys are the sort's, and a caller may sort
only by fields it reads (`hub.auth.policy.may_sort`), so its values are those of the last row
it was shown. Coming back, every value is checked against its key's type (one decoder for
every cursor: `SortField.of`) before it is bound to SQL.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, Numeric, String, and_, false, or_

from hub.errors import HubError
from hub.model.text import text_problem
from hub.store.base import UTCDateTime

#: what a cursor is made of (base64url without padding), for the OpenAPI description
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"
_NOT_OURS = "is not a cursor this API gave out (pass next_cursor back unchanged)"
_DECIMAL = re.compile(r"-?\d{1,40}(\.\d{1,40})?")
_INT64 = 2**63


class BadQuery(HubError):
    """A query parameter that can't be used; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


def _strict_decoder(column_type: Any) -> Callable[[Any], Any]:
    """How a cursor value for a column of this type is read back: exactly the JSON form the
    API wrote (`hub.mapping.values.to_json`), checked before it is bound to SQL; anything else
    raises ValueError. One decoder for every cursor, so a forged one is a 400, never a 500."""
    if isinstance(column_type, UTCDateTime):
        return _datetime
    if isinstance(column_type, Date):
        return _date
    if isinstance(column_type, Numeric):
        return _decimal(column_type.precision or 38, column_type.scale or 0)
    enum_class = getattr(column_type, "enum_class", None)
    if enum_class is not None:
        return lambda v: enum_class(_text(v, 120))
    if isinstance(column_type, Integer):
        return int_between(-_INT64, _INT64 - 1)
    if isinstance(column_type, String):
        return lambda v: _text(v, column_type.length)
    raise TypeError(f"no cursor decoder for {column_type!r}")


def _text(value: Any, limit: int | None) -> str:
    if not isinstance(value, str) or text_problem(value, limit) is not None:
        raise ValueError(value)
    return value


def _date(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError(value)
    return date.fromisoformat(value)


def _datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(_text(value, 40))
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment.astimezone(UTC)


def _decimal(precision: int, scale: int) -> Callable[[Any], Decimal]:
    bound = Decimal(10) ** (precision - scale)

    def read(value: Any) -> Decimal:
        if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
            raise ValueError(value)
        number = Decimal(value)
        if abs(number) >= bound:
            raise ValueError(value)
        return number

    return read


def int_between(low: int, high: int) -> Callable[[Any], int]:
    """A decoder of whole numbers from `low` to `high` (a bool is not one)."""

    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(value)
        return value

    return read


@dataclass(frozen=True)
class SortField:
    """A key clients may sort by: its SQL expression, and how a cursor value is read back."""

    expr: ColumnElement[Any]
    nullable: bool = False
    decode: Callable[[Any], Any] = lambda v: v

    @classmethod
    def of(cls, column: Any) -> SortField:
        """A column as a sort key, its cursor values checked by the column's type."""
        return cls(column, nullable=bool(column.nullable), decode=_strict_decoder(column.type))


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


def parse_sort(text: str | None, allowed: Mapping[str, SortField], default: str = "id",
               hidden: Mapping[str, str] | None = None) -> Sort:
    """`due_date,-updated_at` -> a Sort. Unknown keys are a BadQuery; so are keys in `hidden`
    (key -> why this caller can't sort by it). A key given again adds nothing."""
    keys: list[SortKey] = []
    for part in (text if text and text.strip() else default).split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name[1:].strip() if name[:1] in "-+" else name
        if hidden and name in hidden:
            raise BadQuery("sort", f"cannot sort by {name!r}: {hidden[name]}")
        if name not in allowed:
            raise BadQuery("sort", f"cannot sort by {name!r} (allowed: "
                                   f"{', '.join(sorted(allowed))}; prefix - for descending)")
        if any(k.name == name for k in keys):
            continue
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
    """The condition for rows strictly after `cursor` in `sort` order. Every value is checked
    against its key's type before it reaches SQL (`SortField.decode`)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        made_for, values = data["s"], data["v"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError, binascii.Error):
        raise BadQuery("cursor", _NOT_OURS) from None
    if not isinstance(made_for, str) or not isinstance(values, list):
        raise BadQuery("cursor", _NOT_OURS)
    if made_for != sort.text:
        if len(made_for) > 300 or text_problem(made_for) is not None:
            raise BadQuery("cursor", _NOT_OURS)
        raise BadQuery("cursor", f"was made for sort={made_for}, not sort={sort.text}: "
                                 "keep the sort while paging")
    if len(values) != len(sort.keys):
        raise BadQuery("cursor", _NOT_OURS)
    decoded = []
    for key, value in zip(sort.keys, values, strict=True):
        field = allowed[key.name]
        if value is None and not field.nullable:
            raise BadQuery("cursor", _NOT_OURS)
        try:
            decoded.append(None if value is None else field.decode(value))
        except (ValueError, TypeError, ArithmeticError):
            raise BadQuery("cursor", _NOT_OURS) from None
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
