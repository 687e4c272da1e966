"""Lookup tables: a tool's ids and what they stand for (a Trello list id and the list's name, a
member id and the member's e-mail), which a mapping field uses in both directions with
`lookup: <table>`: the id read from the tool becomes the value, the value written becomes the
id again. Connectors fill their tables (`Connector.lookups`) from the tool and their config;
the engine adds what the hub knows (people linked to a member id)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any


def _key(value: Any) -> str:
    return str(value).strip().casefold()


class Lookup:
    """One two-way table: remote id -> value, and value -> remote id (values compared without
    case or surrounding blanks, so an e-mail matches however it is written).

    `people` names the remote type of the tool's person records when the values are e-mails of
    people: ids the connector can't resolve are then filled in from the people the hub has
    linked to those records (Trello shows other members' e-mails to nobody)."""

    def __init__(self, entries: Mapping[str, Any] | None = None, *,
                 people: str | None = None) -> None:
        self.people = people
        self._by_id: dict[str, Any] = {}
        self._by_value: dict[str, str] = {}
        self._lock = threading.Lock()
        if entries:
            self.update(entries)

    def update(self, entries: Mapping[str, Any]) -> None:
        """Add or change entries (remote id -> value); the first id of a value wins."""
        with self._lock:
            for remote_id, value in entries.items():
                if value is None:
                    continue
                old = self._by_id.get(str(remote_id))
                if old is not None and self._by_value.get(_key(old)) == str(remote_id):
                    del self._by_value[_key(old)]
                self._by_id[str(remote_id)] = value
                self._by_value.setdefault(_key(value), str(remote_id))

    def replace(self, entries: Mapping[str, Any]) -> None:
        """Make `entries` the whole table (after reading it again from the tool)."""
        with self._lock:
            self._by_id.clear()
            self._by_value.clear()
        self.update(entries)

    def value(self, remote_id: Any) -> Any:
        """The value of `remote_id`; KeyError when the table doesn't have it."""
        return self._by_id[str(remote_id)]

    def remote_id(self, value: Any) -> str:
        """The id that stands for `value`; KeyError when the table doesn't have it."""
        return self._by_value[_key(value)]

    def __contains__(self, remote_id: object) -> bool:
        return str(remote_id) in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def items(self) -> list[tuple[str, Any]]:
        """(remote id, value) pairs."""
        with self._lock:
            return list(self._by_id.items())

    def with_entries(self, extra: Mapping[str, Any]) -> Lookup:
        """A copy with `extra` added where this table has no entry (it stays unchanged)."""
        copy = Lookup(people=self.people)
        copy.update({k: v for k, v in extra.items() if k not in self})
        copy.update(dict(self.items()))
        return copy

    def __repr__(self) -> str:
        return f"Lookup({len(self)} entries{', people: ' + self.people if self.people else ''})"


class Lookups(Mapping[str, Lookup]):
    """A connector's tables by name; `table(name)` makes one on first use."""

    def __init__(self, tables: Mapping[str, Lookup] | None = None) -> None:
        self._tables: dict[str, Lookup] = dict(tables or {})

    def table(self, name: str, *, people: str | None = None) -> Lookup:
        """The table `name`, made empty if there is none yet."""
        found = self._tables.get(name)
        if found is None:
            found = self._tables[name] = Lookup(people=people)
        elif people is not None:
            found.people = people
        return found

    def __getitem__(self, name: str) -> Lookup:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def overlay(self, extra: Mapping[str, Mapping[str, Any]]) -> Lookups:
        """These tables with `extra` entries filled in where they have none (for one batch)."""
        return Lookups({name: table.with_entries(extra[name]) if name in extra else table
                        for name, table in self._tables.items()})
