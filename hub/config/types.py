"""Value types people write in YAML: durations such as `90s`, `2m`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(value: Any) -> timedelta:
    """Parse `90s`, `2m`, `1h30m`, `1d`, or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return timedelta(seconds=value)
    text = str(value).strip().lower().replace(" ", "") if isinstance(value, str) else ""
    if text and _PART.sub("", text) == "":
        return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in _PART.findall(text)))
    raise PydanticCustomError(
        "duration", "{found} is not a duration (try 2m, 90s, 1h)", {"found": _quote(value)})


def format_duration(value: timedelta) -> str:
    """The shortest YAML spelling of a duration, e.g. `2m`."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        if seconds >= _UNITS[unit] and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds}s"


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$",
                    "examples": ["90s", "2m", "1h"]}),
]
