"""The ways tools page a listing, for sandboxes to answer as the tool does: page numbers,
offsets, and opaque cursors that expire (monday.com's `items_page` cursor lives 60 minutes)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def by_page(items: Sequence[T], page: int, per_page: int, *, first: int = 1) -> list[T]:
    """Page `page` (numbered from `first`) of `per_page` items."""
    start = (page - first) * per_page
    return list(items[max(start, 0):max(start, 0) + per_page])


def by_offset(items: Sequence[T], offset: int, limit: int) -> tuple[list[T], int | None]:
    """Items from `offset`, and the next offset (None at the end)."""
    chunk = list(items[offset:offset + limit])
    return chunk, offset + limit if offset + limit < len(items) else None


class CursorExpired(LookupError):
    """A cursor the sandbox doesn't know (never made, or too old)."""


@dataclass
class _Pending:
    rest: list[Any]
    made: float


class Cursors:
    """Opaque cursors over what is left of a listing, each valid for `ttl` seconds."""

    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        self.ttl, self.clock = ttl, clock
        self._open: dict[str, _Pending] = {}
        self._lock = threading.Lock()

    def first(self, items: Sequence[Any], limit: int) -> tuple[list[Any], str | None]:
        """The first page and the cursor to the rest (None when nothing is left)."""
        return self._cut(list(items), limit)

    def next(self, cursor: str, limit: int) -> tuple[list[Any], str | None]:
        """The page after `cursor`; `CursorExpired` for an unknown or stale one."""
        with self._lock:
            pending = self._open.pop(cursor, None)
        if pending is None or self.clock() - pending.made > self.ttl:
            raise CursorExpired(cursor)
        return self._cut(pending.rest, limit)

    def expire_all(self) -> None:
        """Forget every open cursor (a knob: the next `next` answers as the tool does)."""
        with self._lock:
            self._open.clear()

    def _cut(self, items: list[Any], limit: int) -> tuple[list[Any], str | None]:
        page, rest = items[:limit], items[limit:]
        if not rest:
            return page, None
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._open[token] = _Pending(rest, self.clock())
        return page, token
