"""What one source looked like when it was last imported, and the diff of a new file version
against it: new, changed and vanished rows. Entity-agnostic: rows are keys and values.

A `Snapshot` keeps the file's content hash (the same file twice changes nothing) and one short
hash per row key; it lives in the connector's poll cursor, so the engine stores it in the same
transaction as the last page of the rows it describes, and a crash half-way re-reads the file
against the snapshot before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

CURSOR_VERSION = 1
Seen = Literal["created", "updated", "unchanged", "duplicate"]


def row_hash(values: Mapping[str, Any]) -> str:
    """A short, stable hash of a row's values (order of columns doesn't matter)."""
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def file_hash(path: Any, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Snapshot:
    """The last imported version of one source."""

    file: str | None = None
    sha256: str | None = None
    seq: int = 0  # increases with every imported version: the rows' version
    at: datetime | None = None  # the change time given to that version's rows
    rows: dict[str, str] = field(default_factory=dict)  # row key -> row hash

    def to_json(self) -> dict[str, Any]:
        """The snapshot as JSON."""
        return {"file": self.file, "sha256": self.sha256, "seq": self.seq,
                "at": self.at.isoformat() if self.at else None, "rows": self.rows}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        """Read `to_json`'s output back."""
        at = data.get("at")
        return cls(file=data.get("file"), sha256=data.get("sha256"), seq=int(data.get("seq", 0)),
                   at=datetime.fromisoformat(at) if at else None, rows=dict(data.get("rows", {})))


def load_cursor(cursor: str | None) -> dict[str, Snapshot]:
    """Snapshots by source name from a poll cursor (none for a first or full poll)."""
    if not cursor:
        return {}
    data = json.loads(cursor)
    if data.get("v") != CURSOR_VERSION:
        return {}
    return {name: Snapshot.from_json(s) for name, s in data.get("sources", {}).items()}


def dump_cursor(snapshots: Mapping[str, Snapshot]) -> str:
    """The poll cursor holding these snapshots."""
    return json.dumps({"v": CURSOR_VERSION,
                       "sources": {n: s.to_json() for n, s in sorted(snapshots.items())}},
                      separators=(",", ":"), ensure_ascii=False)


class Differ:
    """Diffs the rows of a new file version, streamed one by one, against the old snapshot."""

    def __init__(self, old: Snapshot) -> None:
        self.old = old
        self.rows: dict[str, str] = {}
        self.created = self.updated = self.unchanged = 0

    def see(self, key: str, values: Mapping[str, Any]) -> Seen:
        """Record a row of the new version; what it is compared with the old one."""
        if key in self.rows:
            return "duplicate"
        digest = row_hash(values)
        self.rows[key] = digest
        before = self.old.rows.get(key)
        if before is None:
            self.created += 1
            return "created"
        if before != digest:
            self.updated += 1
            return "updated"
        self.unchanged += 1
        return "unchanged"

    def keep(self, key: str) -> None:
        """A row this version has but that couldn't be read (quarantined): what was imported
        for its key stands, neither changed nor vanished."""
        if key not in self.rows and key in self.old.rows:
            self.rows[key] = self.old.rows[key]

    def vanished(self) -> list[str]:
        """Keys of the old version that the new one doesn't have."""
        return [key for key in self.old.rows if key not in self.rows]

    def snapshot(self, file: str, sha256: str, at: datetime) -> Snapshot:
        """The new version's snapshot."""
        return Snapshot(file=file, sha256=sha256, seq=self.old.seq + 1, at=at, rows=self.rows)


def merge_keys(parts: Iterable[Any]) -> str:
    """A row key from its key columns' values."""
    return "|".join("" if p is None else str(p) for p in parts)
