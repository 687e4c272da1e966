"""The change feed: audit entries in commit order, for downstream systems (BI, warehouses).

The cursor is the last entry's id. Entries of records the caller can't see are left out; for
partners, people in the changes appear by display name, never by e-mail.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.query.pagination import BadQuery
from hub.query.records import Page
from hub.query.scope import visible_changes
from hub.store.canonical import Person, PersonEmail
from hub.store.sync import AuditEntry

#: fields that hold people (by e-mail) in the engine's values
PERSON_FIELDS = {"assignees", "owner", "manager", "person", "email"}


def list_changes(session: Session, principal: Principal, since: str | None, limit: int,
                 entity: Entity | None = None) -> Page:
    """Up to `limit` entries after `since`, oldest first. `next_cursor` is where to read on
    (the same cursor again when nothing new has happened yet)."""
    after = _since(since)
    query = select(AuditEntry).where(AuditEntry.id > after, visible_changes(principal))
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    rows = list(session.scalars(query.order_by(AuditEntry.id).limit(limit)))
    names = {} if principal.may_read_hr else _display_names(session, rows)
    items = [{"id": e.id, "entity": e.entity.value, "record_id": e.record_id,
              "action": e.action,
              "changes": e.changes if principal.may_read_hr else _redact(e.changes, names),
              "source": e.source, "at": to_json(e.at)} for e in rows]
    return Page(items, str(rows[-1].id) if rows else (str(after) if since else None))


def _since(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not since.isdigit() or len(since) > 18:
        raise BadQuery("since", "is not a cursor of this feed (pass next_cursor back)")
    return int(since)


def _emails(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for item in value for v in _emails(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _emails(item)]
    return []


def _display_names(session: Session, rows: list[AuditEntry]) -> dict[str, str]:
    wanted = {email for e in rows for name, value in (e.changes or {}).items()
              if name in PERSON_FIELDS for email in _emails(value)}
    if not wanted:
        return {}
    return dict(session.execute(select(PersonEmail.email, Person.display_name).join(
        Person, Person.id == PersonEmail.person_id).where(PersonEmail.email.in_(wanted))).all())


def _redact(changes: dict[str, Any] | None, names: dict[str, str]) -> dict[str, Any]:
    out = {}
    for name, value in (changes or {}).items():
        out[name] = _people(value, names) if name in PERSON_FIELDS else value
    return out


def _people(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, "(someone)")
    if isinstance(value, list):
        return [_people(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _people(v, names) for k, v in value.items()}
    return value
