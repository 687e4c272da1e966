"""JSON in and out of the hot paths (tool answers, JSON columns), with orjson: backfills decode
hundreds of megabytes of tool answers and encode every shadow, provenance and audit entry.

The standard library takes what orjson refuses (integers beyond 64 bits, `NaN` in a tool's
answer), so nothing that decoded or encoded before fails now.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def encode(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON; non-ASCII stays as it is (a LIKE finds it as typed)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(value: Any) -> str:
    """`value` as compact JSON text (see `encode`)."""
    return encode(value).decode()


def loads(text: str | bytes) -> Any:
    """The value of JSON text; raises ValueError (json.JSONDecodeError) when it is none."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # what orjson refuses but JSON readers accept: NaN, Infinity
