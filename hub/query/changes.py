"""The change feed: audit entries in commit order, for downstream systems (BI, warehouses).

The cursor is the last entry's id. Entries of records the caller can't see are left out, and
so are the fields (and values) of an entry its role can't read (`hub.auth.policy`): an update
that changed nothing it reads is no entry for it. People in changes (assignees, owners) show
by e-mail to whoever may read that person's e-mails, by display name to anyone else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.query.pagination import BadQuery
from hub.query.records import Page
from hub.query.scope import visible, visible_changes
from hub.store.canonical import Person, PersonEmail
from hub.store.sync import AuditEntry

#: a position in the feed (an audit entry id), as `since=` takes it
SINCE_PATTERN = r"^[0-9]{0,18}$"
_POSITION = re.compile(r"[0-9]{1,18}")
#: fields that name people (by e-mail) in the engine's values
PERSON_REFS = {"assignees", "owner", "manager", "person"}
#: what an entry of each action holds per field: the value itself, or these sides of it
_SIDES = {"update": ("old", "new"), "resolve": ("old", "new"), "revert": ("rejected", "kept")}


class People:
    """How people named by e-mail in changes show to one principal: the e-mail where it may
    read that person's e-mails, else the display name ("(someone)" for an unknown address)."""

    def __init__(self, session: Session, principal: Principal, emails: Iterable[str]) -> None:
        self.principal = principal
        wanted = sorted({e for e in emails if isinstance(e, str)})
        self.everything = principal.sees_everything
        self.names: dict[str, str] = {}
        self.readable: set[str] = set()
        if self.everything or not wanted:
            return
        self.names = dict(session.execute(
            select(PersonEmail.email, Person.display_name)
            .join(Person, Person.id == PersonEmail.person_id)
            .where(PersonEmail.email.in_(wanted))).all())
        if policy.may_read(principal, Entity.person, "emails"):
            self.readable = set(session.scalars(
                select(PersonEmail.email).join(Person, Person.id == PersonEmail.person_id)
                .where(PersonEmail.email.in_(wanted), visible(Entity.person, principal))))

    def show(self, value: Any) -> Any:
        """A person reference (an e-mail, or a list of them) as this principal sees it."""
        if isinstance(value, list):
            return [self.show(v) for v in value]
        if not isinstance(value, str) or self.everything or value in self.readable:
            return value
        return self.names.get(value, "(someone)")


def list_changes(session: Session, principal: Principal, since: str | None, limit: int,
                 entity: Entity | None = None) -> Page:
    """Up to `limit` entries after `since`, oldest first. `next_cursor` is where to read on
    (the same cursor again when nothing new has happened yet)."""
    after = _since(since)
    query = select(AuditEntry).where(AuditEntry.id > after, visible_changes(principal))
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    rows = list(session.scalars(query.order_by(AuditEntry.id).limit(limit)))
    people = People(session, principal, emails_in(rows))
    items = []
    for e in rows:
        changes = shown_changes(principal, e.entity, e.action, e.changes, people)
        if changes is None:
            continue  # nothing this caller reads changed
        items.append({"id": e.id, "entity": e.entity.value, "record_id": e.record_id,
                      "action": e.action, "changes": changes, "source": e.source,
                      "at": to_json(e.at)})
    return Page(items, str(rows[-1].id) if rows else (str(after) if since else None))


def shown_changes(principal: Principal, entity: Entity, action: str,
                  changes: Mapping[str, Any] | None, people: People) -> dict[str, Any] | None:
    """An audit entry's changes as the principal may see them: only fields it reads, values
    as it sees them, people as `people` shows them. None for an update (revert, resolve) of
    which it would see nothing change."""
    sides = _SIDES.get(action)
    out: dict[str, Any] = {}
    for name, value in (changes or {}).items():
        if not policy.may_read(principal, entity, name):
            continue
        if sides is None or not isinstance(value, dict):
            out[name] = shown_value(principal, entity, name, value, people)
            continue
        shown = {k: shown_value(principal, entity, name, v, people) for k, v in value.items()}
        if len({repr(shown.get(side)) for side in sides}) > 1:
            out[name] = shown
    if sides is not None and not out:
        return None
    return out


def shown_value(principal: Principal, entity: Entity, name: str, value: Any,
                people: People) -> Any:
    """One value of field `name` as the principal sees it (people as `people` shows them)."""
    value = policy.visible_value(principal, entity, name, value)
    return people.show(value) if name in PERSON_REFS else value


def emails_in(rows: list[AuditEntry]) -> list[str]:
    """The e-mails of people named in the changes of `rows`."""
    return [email for e in rows for name, value in (e.changes or {}).items()
            if name in PERSON_REFS for email in _strings(value)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for item in value for v in _strings(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _strings(item)]
    return []


def _since(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not _POSITION.fullmatch(since):
        raise BadQuery("since", "is not a cursor of this feed (pass next_cursor back)")
    return int(since)
