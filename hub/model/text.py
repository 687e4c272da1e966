"""One rule for text the hub takes from outside (query parameters, path ids, cursor values,
edited fields), the same on every database:

- no NUL character: PostgreSQL stores none (SQLite would, and the hub would then differ);
- no lone surrogate (`\\ud800` in JSON): it is not text, and no database encodes it;
- lengths in characters, checked before a write: SQLite ignores a column's declared length
  (it stored 900 KB in a title of 1,000), PostgreSQL refuses the write.

The API declares the rule in its OpenAPI description too (`NO_NUL` as a pattern, `maxLength`),
so a generated client knows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: the JSON Schema pattern of text without NUL (search semantics, as JSON Schema has them)
NO_NUL = r"^[^\x00]*$"
#: the longest long text (a description) the hub stores, in characters; columns with a
#: declared length use theirs
LONG_TEXT = 100_000


def text_problem(value: str, limit: int | None = None) -> str | None:
    """What keeps `value` from being stored as text (a predicate: "contains ..."), or None."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which the hub doesn't store"
    if limit is not None and len(value) > limit:
        return f"is {len(value):,} characters long (at most {limit:,})"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (such as \\ud800), which is not text"
    return None


def json_text_problem(value: Any, limit: int | None = None) -> tuple[str, str] | None:
    """The first string in a JSON value (keys included) that breaks the rule, as (where, what):
    `where` is a dotted path inside the value ("" for the value itself)."""
    for where, text in _strings(value, ""):
        problem = text_problem(text, limit)
        if problem is not None:
            return where, problem
    return None


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if isinstance(key, str):
                yield inner, key
            yield from _strings(item, inner)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")
