"""Canonical events: what rules react to, read off a transaction's changes (a field changed, a
record created or deleted, a risk raised or cleared) or reported by the engine (a conflict
opened, a push refused for good, a connector unhealthy)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from hub.codec import dumps
from hub.model.enums import Entity
from hub.store.sync import Conflict, ConflictState
from hub.sync.derive import ChangeSet

_CREATED, _DELETED = "@created", "@deleted"
#: session.info key: conflicts opened in this transaction, not yet seen by the rules
OPENED_CONFLICTS = "hub.rules.opened_conflicts"


@dataclass(frozen=True)
class Event:
    """One thing that happened, as rules see it."""

    kind: str
    entity: Entity | None = None
    record_id: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None
    risk: str | None = None
    connector: str | None = None
    reason: str | None = None
    #: what makes two sightings the same event (the record's version, a failure's time)
    stamp: str = ""

    @property
    def key(self) -> str:
        """The event's identity for dedupe (bounded length)."""
        raw = f"{self.kind}|{self.entity}|{self.record_id}|{self.field}|{self.risk}|" \
              f"{self.connector}|{self.stamp}|" \
              f"{'' if self.kind == 'connector_unhealthy' else _text(self.new)}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _text(value: Any) -> str:
    try:
        return dumps(value) if not isinstance(value, str) else value
    except TypeError:
        return str(value)


def change_events(changes: ChangeSet,
                  current: Mapping[Entity, Mapping[str, Mapping[str, Any]]]) -> Iterator[Event]:
    """The events in `changes`; `current` holds each changed record's values now."""
    for entity, records in changes.fields.items():
        for record_id, names in records.items():
            values = current.get(entity, {}).get(record_id, {})
            stamp = str(values.get("@version", ""))
            if _CREATED in names:
                yield Event("created", entity, record_id, stamp=stamp)
            if _DELETED in names:
                yield Event("deleted", entity, record_id, stamp=stamp)
            for name in sorted(names - {_CREATED, _DELETED}):
                old = changes.old(entity, record_id, name)
                new = values.get(name)
                yield Event("changed", entity, record_id, name, old, new, stamp=stamp)
                if name == "risks":
                    before, after = set(old or []), set(new or [])
                    for risk in sorted(after - before):
                        yield Event("risk_raised", entity, record_id, risk=risk, stamp=stamp)
                    for risk in sorted(before - after):
                        yield Event("risk_cleared", entity, record_id, risk=risk, stamp=stamp)


def opened_conflicts(session: Session) -> list[Event]:
    """Conflicts opened in this transaction since the last call, as events."""
    found = session.info.pop(OPENED_CONFLICTS, [])
    return [Event("conflict_opened", c.entity, c.record_id, c.field, stamp=c.id)
            for c in found if c.state is ConflictState.open]


@sa_event.listens_for(Session, "transient_to_pending")
def _note_conflict(session: Session, instance: object) -> None:
    # Conflicts are opened deep in reconciliation; noting them here keeps that code unaware.
    if isinstance(instance, Conflict):
        session.info.setdefault(OPENED_CONFLICTS, []).append(instance)
