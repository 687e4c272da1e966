"""Identity resolution: which canonical record a remote object is, in the order of DESIGN §2:
an existing link, the hub id stored in the remote, a YAML match rule, else a new record."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.config.sync import MatchRule, PersonAlias
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


def rule_name(rule: MatchRule) -> str:
    """The name a match rule's keys are indexed under: the field, or the fields joined by +."""
    return rule if isinstance(rule, str) else "+".join(rule)


def rule_value(rule: MatchRule, values: Mapping[str, Any]) -> str | None:
    """The key `values` have under a match rule; None if they can't be identified by it. A
    rule of several fields joins their values (an empty one stays empty: a budget line without
    a cost center is still that project's line for the period)."""
    if isinstance(rule, str):
        return match_value(values.get(rule))
    parts = [match_value(values.get(name)) for name in rule]
    if all(part is None for part in parts):
        return None
    return "|".join(part or "" for part in parts)[:500]


def rule_touches(rule: MatchRule, fields: Collection[str]) -> bool:
    """Whether a change of `fields` changes the record's key under `rule`."""
    return any(name in fields for name in ([rule] if isinstance(rule, str) else rule))


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


class MatchIndex:
    """Match-rule values -> record ids for one batch: filled from the database with the
    batch's values, then with the records the batch creates (later records must find them)."""

    def __init__(self) -> None:
        self._ids: dict[Entity, dict[tuple[str, str], str]] = {}

    def fill(self, session: Session, entity: Entity, rules: Sequence[MatchRule],
             values: Sequence[Mapping[str, Any]]) -> set[str]:
        """Look up the records matching `values` under each rule; their ids."""
        index, ids = self._ids.setdefault(entity, {}), set[str]()
        for rule in rules:
            name = rule_name(rule)
            wanted = {rule_value(rule, v) for v in values}
            found = find_matches(session, entity, name, [w for w in wanted if w])
            index.update({(name, v): rid for v, rid in found.items()})
            ids.update(found.values())
        return ids

    def add(self, entity: Entity, rules: Sequence[MatchRule], values: Mapping[str, Any],
            record_id: str) -> None:
        """A record the batch created, under each rule's value."""
        index = self._ids.setdefault(entity, {})
        for rule in rules:
            value = rule_value(rule, values)
            if value:
                index[(rule_name(rule), value)] = record_id

    def get(self, entity: Entity, rule: MatchRule, values: Mapping[str, Any]) -> str | None:
        """The record `values` match under `rule`, if the index knows one."""
        value = rule_value(rule, values)
        return self._ids.get(entity, {}).get((rule_name(rule), value)) if value else None


def remember_match_keys(session: Session, entity: Entity, record_id: str,
                        values: Mapping[str, Any], rules: Sequence[MatchRule],
                        written: set[tuple[str, str]],
                        changed: Collection[str] | None = None) -> None:
    """Index this record's keys under the match rules (only those a change of `changed`
    fields touches, when given); an existing key for another record is left as is (first
    come, first linked). `written` remembers keys added in this transaction."""
    for rule in rules:
        if entity is Entity.person and rule == "email":
            continue  # people are found through their e-mail addresses already
        if changed is not None and not rule_touches(rule, changed):
            continue
        field, value = rule_name(rule), rule_value(rule, values)
        if value is None or (field, value) in written:
            continue
        written.add((field, value))
        known = session.get(MatchKey, (entity, field, value))
        if known is None:
            session.add(MatchKey(entity=entity, field=field, value=value, record_id=record_id))
        elif known.record_id != record_id and _deleted(session, entity, known.record_id):
            known.record_id = record_id  # the record it named is gone: this one is it now


def _deleted(session: Session, entity: Entity, record_id: str) -> bool:
    """Whether the record is deleted (or not there at all)."""
    table = RECORD_TABLES[entity]
    row = session.execute(select(table.id, table.deleted_at).where(table.id == record_id)).first()
    return row is None or row.deleted_at is not None


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
