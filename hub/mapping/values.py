"""Canonical field types, coercion of remote values into them, and their JSON form.

`Normalised.values` holds Python values (date, datetime in UTC, Decimal, enum members, sorted
e-mail lists). The sync engine keeps shadows as JSON: `to_json` gives the one JSON form of a
value, so two values are the same exactly when their `to_json` forms are equal, and `from_json`
reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any, Literal, get_args

from hub.mapping.errors import show

Kind = Literal["string", "text", "int", "number", "bool", "date", "datetime", "enum", "person",
               "email", "any"]
#: the kinds a mapping may name with `type:` (enums come only from the canonical model; `any`,
#: an untyped custom field's JSON value kept as it is, is what a missing `type:` means)
NAMED_KINDS = tuple(k for k in get_args(Kind) if k not in ("enum", "any"))
_INT = re.compile(r"[+-]?\d+")
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


class CoercionError(ValueError):
    """A value that doesn't fit a type; the message is a predicate: `is not a date (...)`."""


@dataclass(frozen=True)
class FieldType:
    """The type of a canonical field: a scalar kind, possibly a list of it.

    `person` is a reference to a person by e-mail (resolved by the sync engine later); `email`
    is an address the record itself has (Person.email). `noun` names an enum in messages.
    """

    kind: Kind
    many: bool = False
    enum: type[StrEnum] | None = None
    noun: str = field(default="", compare=False)

    def __str__(self) -> str:
        inner = self.enum.__name__ if self.enum else self.kind
        return f"list[{inner}]" if self.many else inner

    @property
    def item(self) -> FieldType:
        """The type of one element (the type itself when not a list)."""
        return replace(self, many=False)


def parse_type(text: Any) -> FieldType:
    """Read a `type:` from a mapping: `string`, `date`, `list` (of strings), `list[person]`..."""
    name = str(text).strip()
    many = name == "list" or (name.startswith("list[") and name.endswith("]"))
    inner = "string" if name == "list" else name[5:-1].strip() if many else name
    if inner not in NAMED_KINDS:
        allowed = ", ".join(NAMED_KINDS)
        raise CoercionError(f"is not a type (expected one of: {allowed}, list, list[<type>])")
    return FieldType(inner, many=many)  # type: ignore[arg-type]  # checked against NAMED_KINDS


def coerce(field_type: FieldType, value: Any, tz: tzinfo | None = None) -> Any:
    """`value` as `field_type`; None stays None ([] for lists). Raises `CoercionError`.

    `tz` is the zone of naive date-times (without it a naive date-time is an error).
    """
    if value is None:
        return [] if field_type.many else None
    if field_type.kind == "any":
        return value
    if not field_type.many:
        return _scalar(field_type, value, tz)
    items = list(value) if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        if item is None:
            raise CoercionError("has an empty (null) item")
        try:
            out.append(_scalar(field_type, item, tz))
        except CoercionError as exc:
            raise CoercionError(f"has an item {show(item)} that {exc}") from None
    # People are a set: order and repeats carry no meaning, and shadows must compare equal.
    return sorted(set(out)) if field_type.kind in ("person", "email") else out


def _scalar(field_type: FieldType, value: Any, tz: tzinfo | None) -> Any:
    kind = field_type.kind
    if kind == "enum":
        return _enum(field_type, value)
    if isinstance(value, dict | list | tuple):
        found = "a mapping" if isinstance(value, dict) else "a list"
        raise CoercionError(f"is not {_a(kind)} ({found})")
    return _COERCE[kind](value, tz)


def _string(value: Any, tz: tzinfo | None) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise CoercionError("is not a string")


def _text(value: Any, tz: tzinfo | None) -> str:
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return _string(value, tz)


def _int(value: Any, tz: tzinfo | None) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal) and not isinstance(value, bool) and value == int(value):
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    raise CoercionError("is not a whole number")


def _number(value: Any, tz: tzinfo | None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise CoercionError("is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise CoercionError("is not a number") from None
    if not number.is_finite():
        raise CoercionError("is not a finite number")
    return number


def _bool(value: Any, tz: tzinfo | None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else ""
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise CoercionError("is not a yes/no value (expected true or false)")


def _date(value: Any, tz: tzinfo | None) -> date:
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz and value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return _date(datetime.fromisoformat(text), tz)
        except ValueError:
            pass
    raise CoercionError("is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)")


def _datetime(value: Any, tz: tzinfo | None) -> datetime:
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        hint = " (for epoch milliseconds use transform: epoch_ms_to_datetime)" if isinstance(
            value, int | float) and not isinstance(value, bool) else ""
        raise CoercionError("is not a date-time (expected ISO 8601, e.g. 2024-05-01T09:30:00Z)"
                            + hint)
    if moment.tzinfo is None:
        if tz is None:
            raise CoercionError("has no time zone (write it with Z or an offset, "
                                "or set tz: on the field)")
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _email(value: Any, tz: tzinfo | None) -> str:
    text = value.strip().casefold() if isinstance(value, str) else ""
    local, at, domain = text.partition("@")
    if not (at and local and domain) or "@" in domain or any(c.isspace() for c in text):
        raise CoercionError("is not an e-mail address (expected exactly one @)")
    return text


def _enum(field_type: FieldType, value: Any) -> StrEnum:
    assert field_type.enum is not None
    try:
        return field_type.enum(value)
    except ValueError:
        noun = field_type.noun or field_type.enum.__name__
        names = ", ".join(m.value for m in field_type.enum)
        raise CoercionError(f"is not {_a(noun)} (expected one of: {names})") from None


_COERCE: dict[str, Any] = {
    "string": _string, "text": _text, "int": _int, "number": _number, "bool": _bool,
    "date": _date, "datetime": _datetime, "person": _email, "email": _email,
}
_NOUNS = {"text": "text value", "int": "whole number", "bool": "yes/no value",
          "datetime": "date-time", "person": "e-mail address", "email": "e-mail address"}


def _a(noun: str) -> str:
    noun = _NOUNS.get(noun, noun)
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def to_json(value: Any) -> Any:
    """The JSON form of a canonical value: ISO dates, date-times in UTC (`+00:00`), Decimals as
    plain strings without trailing zeros, enums as their value, lists and mappings recursively."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} has no JSON form")


def from_json(field_type: FieldType, value: Any) -> Any:
    """Read back what `to_json` wrote for a field of `field_type`."""
    return coerce(field_type, value)
