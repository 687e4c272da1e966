"""Fields a tool refused while it took the rest of a push (`FieldsRefused`).

A status no workflow path reaches, an assignee with no account in the tool, an option the tool
lacks: the field is recorded here with the tool's reason (connector health shows it), the rest
of the push is written, and the field is held back from that tool (`intents.Holds`) while the
record keeps the refused value. It is written again

- when the record's value changes (the refusal is over then),
- when what it names appears in that tool: a person met there for the first time (`wake`),
- and otherwise after a wait that doubles from an hour to a day: the refusal may have been
  caused by data missing in the tool, which nobody tells the hub about.

The intent of such a record stays pending until the earliest retry, so the sweep that pushes
due intents retries it; no one has to find it and call retry-failed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.store.sync import IntentState, Link, PushIntent, PushRefusal
from hub.sync.intents import same
from hub.sync.records import REFERENCES

FIRST_WAIT = timedelta(hours=1)
LONGEST_WAIT = timedelta(hours=24)


def wait(attempts: int) -> timedelta:
    """How long a field refused `attempts` times in a row waits before it is written again."""
    return min(LONGEST_WAIT, FIRST_WAIT * (1 << min(max(attempts - 1, 0), 8)))


def waits_for(entity: Entity, field: str, value: Any) -> str | None:
    """What a refused reference names (`person:<e-mail>`, `project:<key>`): its appearing in
    the tool may make the tool take it. The first of a list: tools take one assignee."""
    kind = "person" if field == "assignees" else REFERENCES[entity].get(field)
    first = value[0] if isinstance(value, list) and value else value
    if kind is None or first in (None, [], ""):
        return None
    return f"{kind}:{first}"[:400]


def record(session: Session, intent: PushIntent, sent: Mapping[str, Any],
           refused: Mapping[str, tuple[str, str]], now: datetime) -> None:
    """Note the outcome of a push of `sent` (canonical values): `refused` fields (-> remote
    path and the tool's reason) wait for a retry; the tool took the others, which ends their
    refusals."""
    rows = {r.field: r for r in session.scalars(select(PushRefusal).where(
        PushRefusal.connector_id == intent.connector_id, PushRefusal.entity == intent.entity,
        PushRefusal.record_id == intent.record_id, PushRefusal.field.in_(list(sent))))}
    for field, value in sent.items():
        row = rows.get(field)
        if field not in refused:
            if row is not None:
                session.delete(row)
            continue
        path, reason = refused[field]
        if row is None or not same(row.value, value):
            if row is not None:
                session.delete(row)
                session.flush()
            row = PushRefusal(connector_id=intent.connector_id, entity=intent.entity,
                              record_id=intent.record_id, field=field, value=value,
                              attempts=0, refused_at=now)
            session.add(row)
        row.attempts += 1
        row.remote_path, row.reason, row.last_refused_at = path[:255], reason, now
        row.waits_for = waits_for(intent.entity, field, value)
        row.retry_at = now + wait(row.attempts)


def settle(session: Session, intent: PushIntent, now: datetime) -> None:
    """After a push: the intent is done, unless fields the tool refused wait for a retry; then
    it stays pending until the earliest one."""
    retry = session.scalar(select(func.min(PushRefusal.retry_at)).where(
        PushRefusal.connector_id == intent.connector_id, PushRefusal.entity == intent.entity,
        PushRefusal.record_id == intent.record_id))
    if retry is None:
        intent.state = IntentState.done
    else:
        intent.state, intent.attempts = IntentState.pending, 0
        intent.next_attempt_at = max(retry, now)


def wake(session: Session, connector_id: str, names: Collection[str], now: datetime) -> int:
    """What `names` (`person:<e-mail>`) refer to now exists in the tool of `connector_id`:
    retry the fields it refused for want of them, now. Returns how many."""
    if not names:
        return 0
    rows = list(session.scalars(select(PushRefusal).where(
        PushRefusal.connector_id == connector_id, PushRefusal.waits_for.in_(list(names)),
        PushRefusal.retry_at > now)))
    for row in rows:
        row.retry_at = now
        intent = session.scalars(select(PushIntent).where(
            PushIntent.connector_id == connector_id, PushIntent.entity == row.entity,
            PushIntent.record_id == row.record_id)).first()
        if intent is None:
            link = session.scalars(select(Link.id).where(
                Link.connector_id == connector_id, Link.entity == row.entity,
                Link.record_id == row.record_id, Link.deleted_at.is_(None))).first()
            intent = PushIntent(connector_id=connector_id, entity=row.entity,
                                record_id=row.record_id, link_id=link, create=link is None,
                                attempts=0)
            session.add(intent)
        intent.state, intent.next_attempt_at = IntentState.pending, now
    return len(rows)


def forget(session: Session, entity: Entity, record_id: str,
           connector_id: str | None = None) -> None:
    """Drop the refusals of a record the tool (`connector_id`; None: every tool) no longer
    has: there is nothing left to write to."""
    query = delete(PushRefusal).where(PushRefusal.entity == entity,
                                      PushRefusal.record_id == record_id)
    if connector_id is not None:
        query = query.where(PushRefusal.connector_id == connector_id)
    session.execute(query)
