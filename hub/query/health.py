"""Sync health per connector, from the engine's durable state: poll cursors, quarantine, push
intents and the webhook inbox. Nothing here asks the tools themselves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hub.config.models import HubConfig
from hub.mapping.values import to_json
from hub.query.pagination import SortField, after_cursor, encode_cursor, parse_sort
from hub.query.records import Page
from hub.store.sync import (
    InboxItem,
    InboxState,
    IntentState,
    Link,
    PushIntent,
    PushRefusal,
    QuarantineItem,
    SyncCursor,
)

DAY = timedelta(hours=24)


def _counts(session: Session, column: Any, *where: ColumnElement[bool]) -> dict[str, int]:
    return {cid: int(n) for cid, n in session.execute(
        select(column, func.count()).where(*where).group_by(column))}


def connector_health(session: Session, config: HubConfig, now: datetime) -> list[dict[str, Any]]:
    """Per configured connector: state, last successful poll, cursor, lag, errors in the last
    24 hours, and what waits for a person (quarantined records, failed pushes, fields the
    tool refused while it took the rest)."""
    since = now - DAY
    cursors: dict[str, list[SyncCursor]] = {}
    for row in session.scalars(select(SyncCursor)):
        cursors.setdefault(row.connector_id, []).append(row)
    quarantined = _counts(session, QuarantineItem.connector_id,
                          QuarantineItem.resolved_at.is_(None))
    quarantined_day = _counts(session, QuarantineItem.connector_id,
                              QuarantineItem.created_at >= since)
    failed = _counts(session, PushIntent.connector_id, PushIntent.state == IntentState.failed)
    failed_day = _counts(session, PushIntent.connector_id,
                         PushIntent.state == IntentState.failed, PushIntent.updated_at >= since)
    pending = _counts(session, PushIntent.connector_id, PushIntent.state == IntentState.pending)
    refused = _counts(session, PushRefusal.connector_id)
    inbox = _counts(session, InboxItem.connector_id, InboxItem.state == InboxState.pending)
    inbox_failed_day = _counts(session, InboxItem.connector_id,
                               InboxItem.state == InboxState.failed,
                               InboxItem.received_at >= since)
    out = []
    for cid, settings in sorted(config.connectors.items()):
        rows = cursors.get(cid, [])
        successes = [r.last_success_at for r in rows if r.last_success_at]
        errors = [r for r in rows if r.last_error_at]
        last_success = max(successes) if successes else None
        last_error = max(errors, key=lambda r: r.last_error_at or now) if errors else None
        poll_errors = sum(1 for r in errors if r.last_error_at and r.last_error_at >= since
                          and r.last_error)
        item = {
            "id": cid, "kind": settings.kind, "display_name": settings.display_name,
            "enabled": settings.enabled,
            "last_success_at": to_json(last_success),
            "last_error": last_error.last_error if last_error else None,
            "last_error_at": to_json(last_error.last_error_at) if last_error else None,
            "cursor": next((r.value for r in rows if r.stream == "default"), None),
            "lag_seconds": round((now - last_success).total_seconds(), 3)
            if last_success else None,
            "errors_24h": poll_errors + quarantined_day.get(cid, 0) + failed_day.get(cid, 0)
            + inbox_failed_day.get(cid, 0),
            "quarantined": quarantined.get(cid, 0), "failed_pushes": failed.get(cid, 0),
            "refused_fields": refused.get(cid, 0),
            "pending_pushes": pending.get(cid, 0), "pending_deliveries": inbox.get(cid, 0),
        }
        item["state"] = _state(settings.enabled, settings.poll.enabled, item, last_success,
                               last_error.last_error_at if last_error and last_error.last_error
                               else None)
        out.append(item)
    return out


def _state(enabled: bool, polls: bool, item: Mapping[str, Any], last_success: datetime | None,
           last_error_at: datetime | None) -> str:
    if not enabled:
        return "disabled"
    if last_error_at is not None and (last_success is None or last_error_at > last_success):
        return "failing"
    if item["failed_pushes"] or item["quarantined"] or item["refused_fields"]:
        return "degraded"
    if last_success is None and polls:
        return "never_polled"
    return "ok"


_ID = {"id": SortField.of(QuarantineItem.__table__.c.id)}
_INTENT_ID = {"id": SortField.of(PushIntent.__table__.c.id)}


def quarantine(session: Session, connector_id: str, limit: int, cursor: str | None,
               include_resolved: bool) -> Page:
    """Records of a connector that could not be mapped, with the reason, oldest first."""
    sort = parse_sort(None, _ID)
    query = select(QuarantineItem).where(QuarantineItem.connector_id == connector_id)
    if not include_resolved:
        query = query.where(QuarantineItem.resolved_at.is_(None))
    if cursor:
        query = query.where(after_cursor(cursor, sort, _ID))
    rows = list(session.scalars(query.order_by(QuarantineItem.id).limit(limit + 1)))
    items = [{"id": q.id, "remote_type": q.remote_type, "remote_id": q.remote_id,
              "location": q.location, "reason": q.reason, "payload": q.payload,
              "created_at": to_json(q.created_at), "resolved_at": to_json(q.resolved_at)}
             for q in rows[:limit]]
    return Page(items, encode_cursor(sort, [rows[limit - 1].id]) if len(rows) > limit else None)


def failed_pushes(session: Session, connector_id: str, limit: int, cursor: str | None) -> Page:
    """Pushes to a connector the tool refused, with its reason, oldest first."""
    sort = parse_sort(None, _INTENT_ID)
    query = select(PushIntent, Link.remote_id, Link.url).outerjoin(
        Link, Link.id == PushIntent.link_id).where(PushIntent.connector_id == connector_id,
                                                   PushIntent.state == IntentState.failed)
    if cursor:
        query = query.where(after_cursor(cursor, sort, _INTENT_ID))
    rows = list(session.execute(query.order_by(PushIntent.id).limit(limit + 1)))
    items = [{"id": i.id, "entity": i.entity.value, "record_id": i.record_id,
              "remote_id": remote_id, "url": url, "create": i.create, "reason": i.last_error,
              "attempts": i.attempts, "failed_at": to_json(i.updated_at)}
             for i, remote_id, url in rows[:limit]]
    return Page(items, encode_cursor(sort, [rows[limit - 1][0].id])
                if len(rows) > limit else None)


_REFUSAL_ID = {"id": SortField(PushRefusal.__table__.c.id)}


def refused_fields(session: Session, connector_id: str, limit: int,
                   cursor: str | None) -> Page:
    """Fields the tool refused while it took the rest of a push, with its reason and when the
    hub writes them again, oldest first. (The refused value is not shown: the reason names
    what the tool objected to.)"""
    sort = parse_sort(None, _REFUSAL_ID)
    query = select(PushRefusal, Link.remote_id, Link.url).outerjoin(
        Link, (Link.connector_id == PushRefusal.connector_id)
        & (Link.entity == PushRefusal.entity) & (Link.record_id == PushRefusal.record_id)
        & Link.deleted_at.is_(None)).where(PushRefusal.connector_id == connector_id)
    if cursor:
        query = query.where(after_cursor(cursor, sort, _REFUSAL_ID))
    rows = list(session.execute(query.order_by(PushRefusal.id).limit(limit + 1)))
    items = [{"id": r.id, "entity": r.entity.value, "record_id": r.record_id,
              "remote_id": remote_id, "url": url, "field": r.field,
              "remote_path": r.remote_path, "reason": r.reason, "waits_for": r.waits_for,
              "attempts": r.attempts, "refused_at": to_json(r.refused_at),
              "retry_at": to_json(r.retry_at)}
             for r, remote_id, url in rows[:limit]]
    return Page(items, encode_cursor(sort, [rows[limit - 1][0].id])
                if len(rows) > limit else None)


def retry_failed(session: Session, connector_id: str, now: datetime) -> int:
    """Put a connector's failed pushes back in the queue; the caller commits."""
    intents = list(session.scalars(select(PushIntent).where(
        PushIntent.connector_id == connector_id, PushIntent.state == IntentState.failed)))
    for intent in intents:
        intent.state, intent.attempts, intent.next_attempt_at = IntentState.pending, 0, now
    return len(intents)
