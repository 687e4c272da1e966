"""Push intents: after a change commits, which tools must be written to.

A link needs a push when its connector maps a field outbound and the shadow (what the tool
holds) differs from the canonical value. One intent per (connector, record) coalesces any
number of changes into one push of the latest values.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.store.sync import Conflict, ConflictState, IntentState, Link, PushIntent, PushRefusal
from hub.sync.runtime import Runtime


def links_by_record(session: Session, entity: Entity,
                    record_ids: Collection[str]) -> dict[str, list[Link]]:
    """Every live link of these records, in one query."""
    out: dict[str, list[Link]] = {rid: [] for rid in record_ids}
    if record_ids:
        for link in session.scalars(select(Link).where(
                Link.entity == entity, Link.record_id.in_(list(record_ids)),
                Link.deleted_at.is_(None))):
            out.setdefault(link.record_id, []).append(link)
    return out


def held_fields(session: Session, entity: Entity,
                record_ids: Collection[str]) -> dict[str, set[str]]:
    """Fields with an open conflict, per record: they are not pushed until a person decides."""
    out: dict[str, set[str]] = {}
    if record_ids:
        for conflict in session.scalars(select(Conflict).where(
                Conflict.entity == entity, Conflict.record_id.in_(list(record_ids)),
                Conflict.state == ConflictState.open)):
            out.setdefault(conflict.record_id, set()).add(conflict.field)
    return out


class Holds:
    """What is not to be pushed now, per record and tool: fields with an open conflict (to no
    tool, until a person decides) and fields a tool refused (`hub.sync.refusals`: to that
    tool, while the record keeps the refused value, until their retry). Read for many records
    with two queries."""

    def __init__(self, session: Session, entity: Entity, record_ids: Collection[str],
                 now: datetime) -> None:
        self.session, self.now = session, now
        self.conflicts = held_fields(session, entity, record_ids)
        self.refusals: dict[tuple[str, str], list[PushRefusal]] = {}
        if record_ids:
            for refusal in session.scalars(select(PushRefusal).where(
                    PushRefusal.entity == entity,
                    PushRefusal.record_id.in_(list(record_ids)))):
                self.refusals.setdefault((refusal.record_id, refusal.connector_id),
                                         []).append(refusal)

    def fields(self, record_id: str, connector_id: str, values: Mapping[str, Any]) -> set[str]:
        """The fields of `record_id` (whose values are now `values`) not to write to
        `connector_id` now. A refusal of a value the record no longer has is over: dropped."""
        held = set(self.conflicts.get(record_id, ()))
        kept = []
        for refusal in self.refusals.get((record_id, connector_id), []):
            if not same(refusal.value, values.get(refusal.field)):
                self.session.delete(refusal)
                continue
            kept.append(refusal)
            if refusal.retry_at > self.now:
                held.add(refusal.field)
        self.refusals[(record_id, connector_id)] = kept
        return held


def same(a: Any, b: Any) -> bool:
    """Equal JSON values, where an empty list and nothing are the same (a tool that never
    mentioned labels holds no labels)."""
    return (None if a == [] else a) == (None if b == [] else b)


def pending_patch(rt: Runtime, link: Link, values: Mapping[str, Any],
                  held: Collection[str]) -> dict[str, Any]:
    """Canonical values the tool behind `link` does not hold yet (the push patch)."""
    mapping = rt.type_mapping(link.connector_id, link.remote_type)
    shadow = link.shadow or {}
    return {f: values.get(f) for f in mapping.outbound_fields
            if f not in held and not same(values.get(f), shadow.get(f))
            and not mapping.same_remotely(f, values.get(f), shadow.get(f))}


class IntentWriter:
    """Upserts push intents for many records of one transaction with one read."""

    def __init__(self, rt: Runtime, session: Session, now: datetime) -> None:
        self.rt, self.session, self.now = rt, session, now
        self.queued = 0

    def queue(self, entity: Entity, values_by_record: Mapping[str, Mapping[str, Any]],
              new: Mapping[str, str] | None = None) -> int:
        """Write intents for every link of these records that needs a push, and for mirror
        rules that ask for a counterpart; returns how many intents were (re)queued.

        `new` maps records created in this transaction from one tool to that tool: their only
        link holds exactly their values, so only mirror rules can ask for a push.
        """
        new = new or {}
        ids = [rid for rid in values_by_record if rid not in new]
        if not values_by_record:
            return 0
        links = links_by_record(self.session, entity, ids)
        holds = Holds(self.session, entity, ids, self.now)
        existing = {(i.connector_id, i.record_id): i for i in self.session.scalars(
            select(PushIntent).where(PushIntent.entity == entity,
                                     PushIntent.record_id.in_(ids)))} if ids else {}
        before = self.queued
        rules = self.rt.rules(entity)
        for record_id, values in values_by_record.items():
            record_links = links.get(record_id, [])
            for link in record_links:
                if link.connector_id not in self.rt.connectors or \
                        not self.rt.exchanges(link.connector_id, entity):
                    continue
                if pending_patch(self.rt, link, values,
                                 holds.fields(record_id, link.connector_id, values)):
                    self._upsert(existing, entity, record_id, link.connector_id, link.id)
            linked = {link.connector_id for link in record_links} | (
                {new[record_id]} if record_id in new else set())
            for rule in rules.mirror:
                if rule.source in linked and rule.to not in linked and \
                        rule.to in self.rt.connectors and _matches(rule.where, values):
                    self._upsert(existing, entity, record_id, rule.to, None, create=True)
        return self.queued - before

    def _upsert(self, existing: dict[tuple[str, str], PushIntent], entity: Entity,
                record_id: str, connector_id: str, link_id: str | None,
                create: bool = False) -> None:
        intent = existing.get((connector_id, record_id))
        if intent is None:
            intent = PushIntent(connector_id=connector_id, entity=entity, record_id=record_id,
                                link_id=link_id, create=create, attempts=0,
                                next_attempt_at=self.now, state=IntentState.pending)
            self.session.add(intent)
            existing[(connector_id, record_id)] = intent
        elif intent.state is not IntentState.pending:
            # A new change deserves a new try, even after a permanent refusal.
            intent.state, intent.attempts, intent.next_attempt_at = \
                IntentState.pending, 0, self.now
            intent.link_id, intent.create = link_id or intent.link_id, create and not link_id
        elif intent.attempts == 0 and intent.next_attempt_at > self.now:
            # Waiting only for the retry of a refused field: the new change goes out now.
            intent.next_attempt_at = self.now
        # A pending intent keeps its backoff: new changes must not defeat a rate limit.
        self.queued += 1


def _matches(where: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    return all(values.get(field) == expected for field, expected in where.items())
