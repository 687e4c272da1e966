"""What a batch of the inbound pipeline carries: its items, its tally, and the records it sees
for the first time, which go into the database as bulk-inserted rows at the end of the batch
(backfills create thousands of records a page; rows skip the ORM's per-object work)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from hub.config.sync import MatchRule
from hub.ids import new_id
from hub.mapping import TypeMapping
from hub.model.enums import Entity
from hub.sdk.connector import RemoteRecord
from hub.store.canonical import task_assignee
from hub.store.sync import AuditEntry, Link
from hub.store.tables import RECORD_TABLES
from hub.sync import identity
from hub.sync.records import RecordStore

#: what each outcome means, for summaries a person reads
OUTCOMES = {
    "created": "new records in the hub",
    "updated": "records the tool changed",
    "unchanged": "read again, nothing new",
    "stale": "seen before: no newer than what the hub last read from this tool (polls re-read "
             "a little, webhooks come twice), so ignored",
    "deleted": "gone from the tool",
    "restored": "deleted before, shown again by the tool: brought back",
    "skipped": "not exchanged with this tool (sync rules)",
    "quarantined": "could not be mapped: kept aside with the reason",
    "conflicts": "changed here and elsewhere at once",
}


@dataclass
class Tally:
    """What a batch did, for `hub sync` summaries and connector health: totals, the same per
    entity (`by_entity`: entity -> outcome -> count), and for a dry run the changes it would
    make, field by field (`changes`, see hub.sync.preview)."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    deleted: int = 0
    restored: int = 0  # tombstones a tool showed again
    skipped: int = 0
    quarantined: int = 0
    conflicts: int = 0
    pushes_queued: int = 0
    derived: int = 0  # records whose derived fields (hub.sync.derive) changed
    by_entity: dict[str, dict[str, int]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def count(self, outcome: str, entity: Entity | str, n: int = 1) -> None:
        """Count `n` records of `entity` (an entity, or a remote type when the entity isn't
        known) with `outcome`, in the total and per entity."""
        setattr(self, outcome, getattr(self, outcome) + n)
        name = entity.value if isinstance(entity, Entity) else entity
        per = self.by_entity.setdefault(name, {})
        per[outcome] = per.get(outcome, 0) + n

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        for f in fields(self):
            if f.name == "by_entity":
                for entity, counts in other.by_entity.items():
                    per = self.by_entity.setdefault(entity, {})
                    for outcome, n in counts.items():
                        per[outcome] = per.get(outcome, 0) + n
            elif f.name == "changes":
                self.changes += other.changes
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class BatchItem:
    """One remote record of a batch, normalised."""

    record: RemoteRecord
    entity: Entity
    values: dict[str, Any] = field(default_factory=dict)
    raw_of: dict[str, str] = field(default_factory=dict)  # raw field -> its main field
    sources: dict[str, str] = field(default_factory=dict)  # field -> remote path
    mapping: TypeMapping | None = None


class NewRecords:
    """Records first seen in a batch, with their links and audit entries, as rows."""

    def __init__(self, session: Session, store: RecordStore, connector_id: str,
                 delivery_of: Callable[[RemoteRecord], str], now: datetime) -> None:
        self.session, self.store = session, store
        self.connector_id, self.delivery_of, self.now = connector_id, delivery_of, now
        self._rows: dict[Entity, list[dict[str, Any]]] = {}
        self._assignees: list[dict[str, str]] = []
        self._links: list[dict[str, Any]] = []
        self._audit: list[dict[str, Any]] = []
        self._keys: list[tuple[Entity, Sequence[MatchRule], str, dict[str, Any]]] = []
        #: entity -> record id -> values, of every record created in this batch
        self.created: dict[Entity, dict[str, dict[str, Any]]] = {}

    def pending(self, entity: Entity) -> bool:
        """Whether rows of `entity` wait to be inserted."""
        return bool(self._rows.get(entity))

    def add(self, item: BatchItem, match: Sequence[MatchRule]) -> str:
        """A new record and its link for `item`; returns the new record's id."""
        entity, record, values = item.entity, item.record, item.values
        record_id, link_id = new_id(), new_id()
        row, people = self.store.new_row(entity, record_id, values)
        row.update(version=1, created_at=self.now, updated_at=self.now, deleted_at=None,
                   provenance=self._provenance(item, link_id))
        self._rows.setdefault(entity, []).append(row)
        self._assignees += [{"task_id": record_id, "person_id": pid} for pid in people]
        self._links.append({
            "id": link_id, "connector_id": self.connector_id, "remote_type": record.remote_type,
            "remote_id": record.remote_id, "entity": entity, "record_id": record_id,
            "shadow": values, "remote_updated_at": record.updated_at,
            "field_times": {name: t.isoformat() for name in values
                            if (t := record.exact_time(item.sources.get(name))) is not None},
            "remote_version": record.version, "url": record.url, "deleted_at": None,
            "created_at": self.now, "updated_at": self.now})
        self._audit.append({
            "entity": entity, "record_id": record_id, "action": "create", "changes": values,
            "source": self.connector_id, "link_id": link_id, "delivery": self.delivery_of(record),
            "at": self.now})
        if match:
            self._keys.append((entity, match, record_id, values))
        self.created.setdefault(entity, {})[record_id] = values
        return record_id

    def _provenance(self, item: BatchItem, link_id: str) -> dict[str, Any]:
        """One shared entry (`*`), plus the fields the tool gives their own change time."""
        record = item.record
        stamp = record.updated_at.isoformat() if record.updated_at else None
        shared = {"source": self.connector_id, "link": link_id, "at": stamp, "v": 1,
                  "exact": False}
        provenance: dict[str, Any] = {"*": shared}
        for name in item.values:
            exact = record.exact_time(item.sources.get(item.raw_of.get(name, name)))
            if exact is not None:
                provenance[name] = {**shared, "at": exact.isoformat(), "exact": True}
        return provenance

    def flush(self, written_keys: dict[Entity, set[tuple[str, str]]]) -> None:
        """Insert the collected rows, parents before children."""
        self.session.flush()  # people and projects created for references go first
        # Core inserts on the session's connection: same transaction, no per-row ORM work.
        conn = self.session.connection()
        for entity in (Entity.project, Entity.account, Entity.task, Entity.absence,
                       Entity.budget_line, Entity.opportunity):
            if self._rows.get(entity):
                conn.execute(insert(RECORD_TABLES[entity]), self._rows.pop(entity))
        if self._assignees:
            conn.execute(insert(task_assignee), self._assignees)
        if self._links:
            conn.execute(insert(Link), self._links)
        if self._audit:
            conn.execute(insert(AuditEntry), self._audit)
        for entity, match, record_id, values in self._keys:
            identity.remember_match_keys(self.session, entity, record_id, values, match,
                                         written_keys.setdefault(entity, set()))
        self._assignees, self._links, self._audit, self._keys = [], [], [], []
