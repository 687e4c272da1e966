"""What a dry run would change, record by record and field by field: read back from the audit
entries (and quarantine rows) the batch wrote in its transaction, just before it is rolled
back. The same words the audit keeps: old -> new, and which tool (and object) it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.query.labels import label_of
from hub.store.sync import AuditEntry, Link, QuarantineItem
from hub.sync.records import RecordStore


def mark(session: Session) -> int:
    """Where the audit stands before the batch: its changes are the entries after this."""
    return int(session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)


def changes(session: Session, since: int, connector_id: str,
            now: datetime) -> list[dict[str, Any]]:
    """The batch's changes (audit entries after `since`; records quarantined at `now`, the
    batch's time), in order."""
    rows = list(session.execute(
        select(AuditEntry, Link).outerjoin(Link, Link.id == AuditEntry.link_id)
        .where(AuditEntry.id > since).order_by(AuditEntry.id)))
    store = RecordStore(session)
    values: dict[str, dict[str, Any]] = {}
    for entity in {entry.entity for entry, _ in rows}:
        ids = [entry.record_id for entry, _ in rows if entry.entity is entity]
        values.update({rid: store.values(entity, record)
                       for rid, record in store.load(entity, ids).items()})
    out = [_change(entry, link, values.get(entry.record_id, {})) for entry, link in rows]
    for item in session.scalars(select(QuarantineItem).where(
            QuarantineItem.connector_id == connector_id, QuarantineItem.created_at == now)
            .order_by(QuarantineItem.id)):
        out.append({"action": "quarantine", "entity": None, "record_id": None,
                    "record": item.remote_id, "reason": item.reason, "fields": [],
                    "source": {"connector": connector_id, "remote_type": item.remote_type,
                               "remote_id": item.remote_id, "url": item.location}})
    return out


def _change(entry: AuditEntry, link: Link | None, now: dict[str, Any]) -> dict[str, Any]:
    """One audit entry as a change a person reads; the record is named as the hub had it
    before (`now` with the changed fields' old values)."""
    changes = entry.changes or {}
    if entry.action == "create":
        fields = [{"field": k, "old": None, "new": v} for k, v in sorted(changes.items())
                  if v not in (None, [], {})]
        before = dict(changes)
    elif entry.action == "revert":
        # The tool's value loses (the field is owned elsewhere, or waits for a person): the
        # hub keeps its own and writes it back.
        fields = [{"field": k, "old": c.get("kept"), "new": c.get("rejected"), "kept": True}
                  for k, c in sorted(changes.items())]
        before = now
    else:
        fields = [{"field": k, "old": c.get("old"), "new": c.get("new")}
                  for k, c in sorted(changes.items()) if isinstance(c, dict)]
        before = {**now, **{f["field"]: f["old"] for f in fields}}
    source: dict[str, Any] = {"connector": entry.source}
    if link is not None:
        source.update(remote_type=link.remote_type, remote_id=link.remote_id, url=link.url)
    return {"action": entry.action, "entity": entry.entity.value, "record_id": entry.record_id,
            "record": label_of(entry.entity, before), "fields": fields, "source": source}
