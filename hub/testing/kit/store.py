"""A sandbox's data: collections of records with ids, and the log of what happened to them.

Records are the tool's own JSON (dicts); a `Collection` adds ids in the tool's style, the
times each record was made and changed, and deletion, under the sandbox's lock. An `EventLog`
keeps changes in order for tools with an events or actions feed.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

IdStyle = Literal["hex24", "numeric", "uuid"]


class Ids:
    """Ids as the tool makes them: `hex24` (Trello's object ids: seconds, then a counter),
    `numeric` (monday.com, Jira), `uuid`."""

    def __init__(self, style: IdStyle = "hex24", start: int = 1,
                 clock: Callable[[], float] = time.time) -> None:
        self.style, self.clock = style, clock
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            n = next(self._counter)
        if self.style == "numeric":
            return str(n)
        if self.style == "uuid":
            return str(uuid.uuid4())
        return f"{int(self.clock()):08x}{n:016x}"


def iso(moment: float) -> str:
    """Epoch seconds as the ISO 8601 UTC the tools write (`2026-11-21T10:00:00.000Z`)."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Row:
    """One record and what the sandbox knows about it."""

    id: str
    data: dict[str, Any]
    created: float
    updated: float
    deleted: bool = False


class Collection:
    """Records of one kind (cards, items), by id. Not thread-safe on its own: the sandbox's
    lock guards every change."""

    def __init__(self, name: str, ids: Ids, clock: Callable[[], float]) -> None:
        self.name, self.ids, self.clock = name, ids, clock
        self.rows: dict[str, Row] = {}
        self._last = 0.0

    def _now(self) -> float:
        # Two changes within one clock tick still get distinct, ordered times.
        self._last = max(self.clock(), self._last + 0.001)
        return self._last

    def add(self, data: dict[str, Any], *, id_field: str = "id") -> dict[str, Any]:
        """Store a new record (its id made unless `data` has one); returns it."""
        record_id = str(data.get(id_field) or self.ids())
        now = self._now()
        record = {id_field: record_id, **{k: v for k, v in data.items() if k != id_field}}
        self.rows[record_id] = Row(record_id, record, now, now)
        return record

    def get(self, record_id: str) -> dict[str, Any] | None:
        """A live record, or None."""
        row = self.rows.get(str(record_id))
        return None if row is None or row.deleted else row.data

    def update(self, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields; returns the old values of the fields that changed."""
        row = self.rows[str(record_id)]
        old = {k: row.data.get(k) for k, v in changes.items() if row.data.get(k) != v}
        row.data.update(changes)
        if old:
            row.updated = self._now()
        return old

    def delete(self, record_id: str) -> dict[str, Any]:
        """Mark a record deleted (it stays known as a tombstone); returns it."""
        row = self.rows[str(record_id)]
        row.deleted, row.updated = True, self._now()
        return row.data

    def live(self, where: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Live records in the order they were made, those `where` accepts."""
        return [r.data for r in self.rows.values()
                if not r.deleted and (where is None or where(r.data))]

    def find(self, **match: Any) -> dict[str, Any] | None:
        """The first live record whose fields equal `match` (text compared without case)."""
        def same(a: Any, b: Any) -> bool:
            return a.casefold() == b.casefold() if isinstance(a, str) and isinstance(b, str) \
                else bool(a == b)
        return next((r for r in self.live() if all(same(r.get(k), v) for k, v in match.items())),
                    None)

    def updated(self, record_id: str) -> float:
        """When the record last changed (epoch seconds)."""
        return self.rows[str(record_id)].updated

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.live())

    def __len__(self) -> int:
        return sum(1 for r in self.rows.values() if not r.deleted)


@dataclass
class Event:
    """One change in an events feed, newest last in the log."""

    id: str
    type: str
    date: float
    data: dict[str, Any] = field(default_factory=dict)


class EventLog:
    """What happened, in order, for feeds read by id or time (`since`, `before`)."""

    def __init__(self, ids: Ids, clock: Callable[[], float]) -> None:
        self.ids, self.clock = ids, clock
        self.events: list[Event] = []

    def append(self, type_: str, data: dict[str, Any]) -> Event:
        """Log one change."""
        event = Event(self.ids(), type_, self.clock(), data)
        self.events.append(event)
        return event

    def feed(self, query: Mapping[str, str], *, default_limit: int = 50) -> list[Event]:
        """A feed page, newest first, as most tools answer one: `since` and `before` (event ids),
        `filter` (comma-separated types, or `all`), `limit`."""
        wanted = set(query.get("filter", "all").split(","))
        found = [e for e in self.after(query.get("since"), query.get("before"))
                 if "all" in wanted or e.type in wanted]
        return found[::-1][:int(query.get("limit", default_limit))]

    def after(self, since: str | None = None, before: str | None = None,
              since_time: float | None = None) -> list[Event]:
        """Events after the one with id `since` (or `since_time`) and before `before`, oldest
        first."""
        out = self.events
        if since is not None:
            index = next((i for i, e in enumerate(out) if e.id == since), None)
            out = out[index + 1:] if index is not None else [e for e in out if e.id > since]
        if since_time is not None:
            out = [e for e in out if e.date > since_time]
        if before is not None:
            out = [e for e in out if e.id < before]
        return list(out)
