"""Push (DESIGN §4): write the canonical values a tool doesn't hold yet, then learn from the
answer. The remote call happens outside any transaction; before and after it, short ones.

After a write the tool's answer is an observation like any poll: it runs through the inbound
pipeline, so an edit a person made in the tool just before our write is not lost.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from hub.errors import Permanent, Retriable
from hub.ids import new_id
from hub.mapping import MappingError, TypeMapping
from hub.mapping.values import from_json
from hub.sdk.connector import LinkRef, RemoteRecord
from hub.store.sync import IntentState, Link, PushIntent
from hub.sync.inbound import Ingest
from hub.sync.intents import held_fields, pending_patch
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

BACKOFF_BASE = 2.0  # seconds
BACKOFF_CAP = 900.0
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class PushOutcome:
    """What one push attempt did."""

    state: str  # done, nothing, retry, failed, not_due
    detail: str = ""


@dataclass
class _Plan:
    connector_id: str
    mapping: TypeMapping
    link: LinkRef | None  # None: create a counterpart
    remote_type: str
    sent: dict[str, Any]  # canonical JSON values being written
    remote_patch: dict[str, Any]


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds to wait before attempt `attempts + 1`: exponential with jitter, never less than
    the tool asked for."""
    exponential = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(attempts - 1, 0))
    return max(retry_after or 0.0, exponential * random.uniform(0.5, 1.0))


async def push_intent(rt: Runtime, intent_id: str) -> PushOutcome:
    """Carry out one push intent: create or patch the remote, then record the outcome."""
    with rt.sessions.begin() as session:
        intent = session.get(PushIntent, intent_id)
        if intent is None or intent.state is not IntentState.pending:
            return PushOutcome("nothing", "no pending intent")
        if intent.next_attempt_at > rt.clock():
            return PushOutcome("not_due", f"next attempt at {intent.next_attempt_at}")
        try:
            plan = _plan(rt, session, intent)
        except MappingError as exc:
            return _fail(intent, f"cannot translate for {intent.connector_id}: {exc}")
        if plan is None:
            intent.state = IntentState.done
            return PushOutcome("nothing", "the tool already holds every value")
        entity, record_id = intent.entity, intent.record_id
    connector = rt.connectors[plan.connector_id]
    try:
        if plan.link is None:
            remote = await connector.find_by_hub_id(plan.remote_type, record_id)
            if remote is None:  # a retry after a crash finds the first create instead
                remote = await connector.create(plan.remote_type, record_id, plan.remote_patch)
        else:
            remote = await connector.push(plan.link, plan.remote_patch)
    except Retriable as exc:
        with rt.sessions.begin() as session:
            return _retry(rt, session, intent_id, exc)
    except Permanent as exc:
        with rt.sessions.begin() as session:
            intent = session.get_one(PushIntent, intent_id)
            return _fail(intent, exc.reason)
    with rt.sessions.begin() as session:
        _record_success(rt, session, intent_id, plan, remote)
    log.debug("pushed %s %s to %s: %s", entity.value, record_id, plan.connector_id,
              sorted(plan.sent))
    return PushOutcome("done", ", ".join(sorted(plan.sent)))


def _plan(rt: Runtime, session: Session, intent: PushIntent) -> _Plan | None:
    store = RecordStore(session)
    record = store.load(intent.entity, [intent.record_id]).get(intent.record_id)
    if record is None or record.deleted_at is not None:
        return None
    values = store.values(intent.entity, record)
    held = held_fields(session, intent.entity, [intent.record_id]).get(intent.record_id, set())
    link = session.get(Link, intent.link_id) if intent.link_id else None
    if link is None:
        existing = session.query(Link).filter_by(connector_id=intent.connector_id,
                                                 entity=intent.entity,
                                                 record_id=intent.record_id).first()
        link = existing
    if link is not None:
        intent.link_id = link.id
        mapping = rt.type_mapping(link.connector_id, link.remote_type)
        sent = pending_patch(rt, link, values, held)
        if not sent:
            return None
        ref = LinkRef(link.remote_type, link.remote_id, dict(link.shadow or {}), link.url)
        return _Plan(link.connector_id, mapping, ref, link.remote_type, sent,
                     mapping.outbound(_typed(mapping, sent)))
    remote_type = rt.remote_type_for(intent.connector_id, intent.entity)
    if remote_type is None:
        raise MappingError("create", f"the {intent.connector_id} mapping has no type for "
                                     f"{intent.entity.value}")
    mapping = rt.type_mapping(intent.connector_id, remote_type)
    sent = {f: values.get(f) for f in mapping.outbound_fields if f not in held}
    return _Plan(intent.connector_id, mapping, None, remote_type, sent,
                 mapping.outbound(_typed(mapping, sent)))


def _typed(mapping: TypeMapping, values: dict[str, Any]) -> dict[str, Any]:
    return {f: from_json(mapping.field_type(f), v) for f, v in values.items()}


def _record_success(rt: Runtime, session: Session, intent_id: str, plan: _Plan,
                    remote: RemoteRecord) -> None:
    intent = session.get_one(PushIntent, intent_id)
    intent.state, intent.last_error, intent.attempts = IntentState.done, None, 0
    link = session.get(Link, intent.link_id) if intent.link_id else None
    if link is None:
        link = Link(id=new_id(), connector_id=plan.connector_id, remote_type=plan.remote_type,
                    remote_id=remote.remote_id, entity=intent.entity,
                    record_id=intent.record_id, shadow={}, url=remote.url)
        session.add(link)
        intent.link_id, intent.create = link.id, False
        session.flush()
    newer_known = (link.remote_updated_at is not None and remote.updated_at is not None
                   and link.remote_updated_at > remote.updated_at)
    if not newer_known:
        # The tool holds what we sent, unless we already saw a later state of it.
        link.shadow = {**(link.shadow or {}), **plan.sent}
    Ingest(rt, session, plan.connector_id, delivery="push").run([remote])


def _retry(rt: Runtime, session: Session, intent_id: str, exc: Retriable) -> PushOutcome:
    intent = session.get_one(PushIntent, intent_id)
    intent.attempts += 1
    intent.last_error = exc.reason
    if intent.attempts >= MAX_ATTEMPTS:
        return _fail(intent, f"gave up after {intent.attempts} attempts: {exc.reason}")
    delay = backoff(intent.attempts, exc.retry_after)
    intent.next_attempt_at = rt.clock() + timedelta(seconds=delay)
    return PushOutcome("retry", f"{exc.reason}; next attempt in {delay:.1f}s")


def _fail(intent: PushIntent, reason: str) -> PushOutcome:
    intent.state, intent.last_error = IntentState.failed, reason
    log.warning("push of %s %s to %s failed: %s", intent.entity.value, intent.record_id,
                intent.connector_id, reason)
    return PushOutcome("failed", reason)
