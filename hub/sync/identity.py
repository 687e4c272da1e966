"""Identity resolution: which canonical record a remote object is, in the order of DESIGN §2:
an existing link, the hub id stored in the remote, a YAML match rule, else a new record."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.config.sync import PersonAlias
from hub.model.enums import Entity
from hub.sdk.connector import RemoteRecord
from hub.store.canonical import PersonEmail
from hub.store.sync import Link, MatchKey
from hub.store.tables import RECORD_TABLES
from hub.sync.records import REFERENCES


def load_links(session: Session, connector_id: str,
               records: Sequence[RemoteRecord]) -> dict[tuple[str, str], Link]:
    """The links of these remote objects, in one query."""
    by_type: dict[str, set[str]] = {}
    for r in records:
        by_type.setdefault(r.remote_type, set()).add(r.remote_id)
    found: dict[tuple[str, str], Link] = {}
    for remote_type, ids in by_type.items():  # one query per type: the whole unique index
        for link in session.scalars(select(Link).where(
                Link.connector_id == connector_id, Link.remote_type == remote_type,
                Link.remote_id.in_(list(ids)))):
            found[(link.remote_type, link.remote_id)] = link
    return found


def existing_ids(session: Session, entity: Entity, ids: Iterable[str]) -> set[str]:
    """Which of these ids are records of `entity` (hub ids stored in remotes may be stale)."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    table = RECORD_TABLES[entity]
    return set(session.scalars(select(table.id).where(table.id.in_(wanted))))


def match_value(value: Any) -> str | None:
    """The form a value takes in the match index; None if it can't identify anything."""
    if value is None or value == "" or isinstance(value, list | dict):
        return None
    return str(value).strip().casefold()[:500] or None


def find_matches(session: Session, entity: Entity, field: str,
                 values: Iterable[str]) -> dict[str, str]:
    """match value -> record id, for one match field, in one query."""
    wanted = list(set(values))
    if not wanted:
        return {}
    if entity is Entity.person and field == "email":
        rows = session.execute(select(PersonEmail.email, PersonEmail.person_id)
                               .where(PersonEmail.email.in_(wanted)))
    else:
        rows = session.execute(select(MatchKey.value, MatchKey.record_id).where(
            MatchKey.entity == entity, MatchKey.field == field, MatchKey.value.in_(wanted)))
    return {value: record_id for value, record_id in rows}


def remember_match_keys(session: Session, entity: Entity, record_id: str,
                        values: dict[str, Any], fields: Sequence[str],
                        written: set[tuple[str, str]]) -> None:
    """Index this record's match values; an existing key for another live record is left as
    is (first come, first linked), one of a deleted record passes to this one (the new object
    the value names now). `written` remembers keys added in this transaction."""
    table = RECORD_TABLES[entity]
    for field in fields:
        if entity is Entity.person and field == "email":
            continue  # people are found through their e-mail addresses already
        value = match_value(values.get(field))
        if value is None or (field, value) in written:
            continue
        written.add((field, value))
        key = session.get(MatchKey, (entity, field, value))
        if key is None:
            session.add(MatchKey(entity=entity, field=field, value=value, record_id=record_id))
        elif key.record_id != record_id and session.scalar(
                select(table.deleted_at).where(table.id == key.record_id)) is not None:
            key.record_id = record_id


class Aliases:
    """People known by more than one e-mail or remote id (`sync.aliases`): each alias is
    rewritten to the person's main e-mail as records arrive, so references by any of them, and
    a tool's own record of the person, resolve to the one person. Names never do."""

    def __init__(self, entries: Sequence[PersonAlias], connector_ids: Collection[str]) -> None:
        self.emails: dict[str, str] = {}
        self.remote_ids: dict[tuple[str, str], str] = {}
        for entry in entries:
            main = entry.email.strip().casefold()
            for other in entry.also:
                prefix, colon, rest = other.strip().partition(":")
                if colon and prefix in connector_ids:
                    self.remote_ids[(prefix, rest)] = main
                else:
                    self.emails[other.strip().casefold()] = main

    def __bool__(self) -> bool:
        return bool(self.emails or self.remote_ids)

    def email(self, value: Any) -> Any:
        """The main e-mail for an alias; anything else as it is."""
        return self.emails.get(value, value) if isinstance(value, str) else value

    def apply(self, connector_id: str, entity: Entity, remote_id: str,
              values: dict[str, Any]) -> None:
        """Rewrite aliases among a normalised record's `values`, in place."""
        if entity is Entity.person:
            main = self.remote_ids.get((connector_id, remote_id))
            values["email"] = main or self.email(values.get("email"))
            if values["email"] is None:
                del values["email"]
        for name, kind in REFERENCES[entity].items():
            if kind == "person" and name in values:
                values[name] = self.email(values[name])
        if entity is Entity.task and values.get("assignees"):
            values["assignees"] = sorted({self.email(e) for e in values["assignees"]})
