"""Named value transforms a mapping field can use (`transform: adf_to_text`).

A transform has an `inbound` function (remote value -> value before the value map) and, if the
field is written back, an `outbound` one (value after the reverse map -> remote value). Third
parties add their own with `register_transform` before mappings are loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hub.mapping.adf import adf_to_text, text_to_adf

Convert = Callable[[Any], Any]
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Transform:
    """A registered transform; `outbound` is None when it can only be read (use `dir: in`)."""

    name: str
    inbound: Convert
    outbound: Convert | None = None


TRANSFORMS: dict[str, Transform] = {}


def register_transform(name: str, inbound: Convert, outbound: Convert | None = None, *,
                       replace: bool = False) -> None:
    """Make `transform: <name>` available to mappings loaded from now on.

    A name already taken is an error unless `replace=True`, so two plugins can't silently
    change each other's meaning.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a transform name (lower-case letters, digits and _)")
    if name in TRANSFORMS and not replace:
        raise ValueError(f"transform {name!r} is already registered (pass replace=True)")
    TRANSFORMS[name] = Transform(name, inbound, outbound)


def transform_names() -> list[str]:
    """The registered transform names, sorted."""
    return sorted(TRANSFORMS)


def _each(function: Callable[[str], Any]) -> Convert:
    """Apply a string function to a string, or to every string of a list; None stays None."""
    def apply(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            return [apply(v) for v in value]
        if not isinstance(value, str):
            raise ValueError("is not text")
        return function(value)
    return apply


def _identity(value: Any) -> Any:
    return value


def _split_comma(value: Any) -> list[str] | None:
    if value is None or isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise ValueError("is not comma-separated text")
    return [part.strip() for part in value.split(",") if part.strip()]


def _join_comma(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ", ".join(str(v) for v in value)


def _epoch_ms_to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError("is not a number of milliseconds since 1970")
    try:
        return datetime.fromtimestamp(float(Decimal(str(value).strip())) / 1000, UTC)
    except ArithmeticError:
        raise ValueError("is not a number of milliseconds since 1970") from None


def _datetime_to_epoch_ms(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, datetime):
        raise ValueError("is not a date-time")
    return round(value.timestamp() * 1000)


register_transform("adf_to_text", adf_to_text, text_to_adf)
register_transform("person_by_email", _each(lambda s: s.strip().casefold()), _identity)
register_transform("casefold", _each(str.casefold), _identity)
register_transform("strip", _each(str.strip), _identity)
register_transform("split_comma", _split_comma, _join_comma)
register_transform("epoch_ms_to_datetime", _epoch_ms_to_datetime, _datetime_to_epoch_ms)
