"""Resolving a conflict: a person picks a value (or a side); it becomes canonical and is pushed
to every tool like any other change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.config.sync import FieldPolicy, OwnerPolicy
from hub.errors import HubError
from hub.model.enums import Entity
from hub.store.sync import AuditEntry, Conflict, ConflictState
from hub.sync import derive
from hub.sync.intents import IntentWriter
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime


class ConflictError(HubError):
    """A resolution that can't be applied (already resolved, unknown side)."""


def record_conflict(entity: Entity, record_id: str, name: str, policy: FieldPolicy, *,
                    base: Any, tool: tuple[str, Any, datetime | None],
                    hub: tuple[Any, dict[str, Any]], tool_won: bool, state: ConflictState,
                    now: datetime) -> Conflict:
    """The row of a concurrent change of field `name`: the `tool` (connector, value, its
    change time) against the value the hub had (`hub`: value and its provenance), both from
    `base`; resolved by the policy unless `state` is open."""
    source, new, new_time = tool
    current, prov = hub
    resolved = state is ConflictState.resolved
    return Conflict(
        entity=entity, record_id=record_id, field=name, base=base,
        candidates=[
            {"source": source, "value": new, "at": new_time.isoformat() if new_time else None},
            {"source": prov.get("source"), "value": current, "at": prov.get("at")},
        ],
        policy=f"owner:{policy.owner}" if isinstance(policy, OwnerPolicy) else policy,
        state=state, resolved_value=(new if tool_won else current) if resolved else None,
        resolved_by="policy" if resolved else None, resolved_at=now if resolved else None)


def resolve_conflict(rt: Runtime, session: Session, conflict_id: str, *, by: str,
                     value: Any = None, side: str | None = None,
                     actor: dict[str, Any] | None = None) -> Conflict:
    """Resolve an open conflict with `value`, or with the value of the source `side`.

    The chosen value becomes canonical (with provenance `by`), and pushes are queued; the
    caller commits.
    """
    conflict = session.get(Conflict, conflict_id)
    if conflict is None:
        raise ConflictError(f"no conflict {conflict_id}")
    if conflict.state is not ConflictState.open:
        raise ConflictError(f"conflict {conflict_id} was already resolved by "
                            f"{conflict.resolved_by}")
    if side is not None:
        chosen = [c for c in conflict.candidates if c.get("source") == side]
        if not chosen:
            sides = ", ".join(str(c.get("source")) for c in conflict.candidates)
            raise ConflictError(f"{side!r} is not a side of this conflict (sides: {sides})")
        value = chosen[0]["value"]
    store = RecordStore(session)
    record = store.load(conflict.entity, [conflict.record_id]).get(conflict.record_id)
    if record is None:
        raise ConflictError(f"the {conflict.entity.value} of this conflict no longer exists")
    old = store.values(conflict.entity, record).get(conflict.field)
    now = rt.clock()
    conflict.state, conflict.resolved_value = ConflictState.resolved, value
    conflict.resolved_by, conflict.resolved_at = by, now
    if old != value:
        store.write(conflict.entity, record, {conflict.field: value})
        record.version += 1
        record.provenance = {**(record.provenance or {}), conflict.field: {
            "source": by, "link": None, "at": now.isoformat(), "v": record.version}}
    session.add(AuditEntry(entity=conflict.entity, record_id=record.id, action="resolve",
                           changes={conflict.field: {"old": old, "new": value}}, source=by,
                           at=now, actor=actor))
    session.flush()
    IntentWriter(rt, session, now).queue(conflict.entity,
                                         {record.id: store.values(conflict.entity, record)})
    if old != value:
        changes = derive.ChangeSet()
        changes.changed(conflict.entity, record.id, [conflict.field], {conflict.field: old})
        derive.run(rt, session, changes, now)
    return conflict
