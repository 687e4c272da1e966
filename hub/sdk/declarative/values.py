"""Filling a manifest's `{...}` references, and reading paths from a tool's answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, SecretStr

from hub.mapping.paths import ABSENT, RemotePath, parse_path

_REF = re.compile(r"\{([a-zA-Z_][\w.]*)\}")


@lru_cache(maxsize=512)
def _path(text: str) -> RemotePath:
    return parse_path(text)


def pick(data: Any, path: str | None, default: Any = None) -> Any:
    """The value at `path` in `data` ('' or None: `data` itself); `default` if absent."""
    if not path:
        return data
    found = _path(path).read(data)
    return default if found is ABSENT else found


def lookup(context: Mapping[str, Any], dotted: str) -> Any:
    """`config.webhook.secret` in the context (models, mappings; secrets revealed)."""
    value: Any = context
    for part in dotted.split("."):
        if isinstance(value, BaseModel):
            value = getattr(value, part)
        elif isinstance(value, Mapping):
            value = value[part]
        else:
            raise KeyError(dotted)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def render(template: Any, context: Mapping[str, Any]) -> Any:
    """`template` with its `{...}` filled in: a string that is one reference keeps the value's
    type (a list, a number); other strings are text; dicts and lists are filled throughout."""
    if isinstance(template, dict):
        return {render(k, context): render(v, context) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, context) for v in template]
    if not isinstance(template, str):
        return template
    whole = _REF.fullmatch(template)
    if whole:
        return lookup(context, whole.group(1))
    return _REF.sub(lambda m: _text(lookup(context, m.group(1))), template)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_time(value: Any) -> datetime | None:
    """A tool's time (ISO 8601, or epoch seconds or milliseconds) as an aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(moment: datetime, style: str) -> str | int:
    """`moment` as an updated-since parameter wants it."""
    if style == "date":
        return moment.date().isoformat()
    if style == "epoch_s":
        return int(moment.timestamp())
    if style == "epoch_ms":
        return int(moment.timestamp() * 1000)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
