"""Push (DESIGN §4): write the canonical values a tool doesn't hold yet, then learn from the
answer. The remote call happens outside any transaction; before and after it, short ones.

After a write the tool's answer is an observation like any poll: it runs through the inbound
pipeline, so an edit a person made in the tool just before our write is not lost.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, object_session

from hub.errors import Permanent, Retriable
from hub.ids import new_id
from hub.mapping import Lookups, MappingError, TypeMapping
from hub.mapping.values import from_json
from hub.model.enums import Entity
from hub.rules import engine as rules_engine
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector, FieldsRefused, LinkRef, RemoteRecord
from hub.store.sync import IntentState, Link, PushIntent
from hub.sync import refusals
from hub.sync.comments.push import push_comment
from hub.sync.inbound import Ingest
from hub.sync.intents import Holds, pending_patch
from hub.sync.lookups import batch_lookups
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

BACKOFF_BASE = 2.0  # seconds
BACKOFF_CAP = 900.0
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class PushOutcome:
    """What one push attempt did."""

    state: str  # done, partial (some fields refused), nothing, retry, failed, not_due
    detail: str = ""


@dataclass
class _Plan:
    record_id: str
    connector_id: str
    mapping: TypeMapping
    link: LinkRef | None  # None: create a counterpart
    remote_type: str
    sent: dict[str, Any]  # canonical JSON values being written
    remote_patch: dict[str, Any]
    seen_at: datetime | None = None  # the remote's change time the hub last saw
    lookups: Lookups | None = None  # the tables the patch was translated with


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds to wait before attempt `attempts + 1`: exponential with jitter, never less than
    the tool asked for."""
    exponential = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(attempts - 1, 0))
    return max(retry_after or 0.0, exponential * random.uniform(0.5, 1.0))


async def push_intent(rt: Runtime, intent_id: str) -> PushOutcome:
    """Carry out one push intent: create or patch the remote, then record the outcome.

    Before patching, the remote is read back: an edit a person made there since the hub last
    looked is reconciled first, instead of being overwritten unseen (tools offer no
    conditional writes).
    """
    try:
        for _ in range(3):
            prepared = _prepare(rt, intent_id)
            if isinstance(prepared, _CommentIntent):  # comments go their own way
                return PushOutcome(*await push_comment(rt, intent_id))
            if isinstance(prepared, _NeedsLookups):
                await rt.connectors[prepared.connector_id].ensure_lookups()
                prepared = _prepare(rt, intent_id, final=True)
            if isinstance(prepared, PushOutcome | _NeedsLookups | _CommentIntent):
                return prepared if isinstance(prepared, PushOutcome) else PushOutcome(
                    "retry", "lookup tables not loaded")
            plan = prepared
            fresh = await _read_back(rt.connectors[plan.connector_id], plan)
            if fresh is None:
                break
            with rt.sessions.begin() as session:
                Ingest(rt, session, plan.connector_id, delivery="pre-read").run([fresh])
        remote, refused_paths = await _write(rt.connectors[plan.connector_id], plan)
    except Retriable as exc:
        with rt.sessions.begin() as session:
            return _retry(rt, session, intent_id, exc)
    except Permanent as exc:
        with rt.sessions.begin() as session:
            return _fail(rt, session.get_one(PushIntent, intent_id), exc.reason)
    refused = _refused_fields(plan, refused_paths)
    with rt.sessions.begin() as session:
        _record_success(rt, session, intent_id, plan, remote, refused)
    log.debug("pushed %s to %s: %s", plan.record_id, plan.connector_id, sorted(plan.sent))
    if refused:
        detail = "; ".join(f"{name} refused: {why}" for name, (_, why) in sorted(refused.items()))
        log.info("push of %s to %s wrote all but: %s", plan.record_id, plan.connector_id,
                 detail)
        return PushOutcome("partial", detail)
    return PushOutcome("done", ", ".join(sorted(plan.sent)))


@dataclass(frozen=True)
class _NeedsLookups:
    """The connector's lookup tables were never loaded: load them, then plan again."""

    connector_id: str


@dataclass(frozen=True)
class _CommentIntent:
    """The intent is a comment's (`hub.sync.comments.push`)."""


def _prepare(rt: Runtime, intent_id: str,
             final: bool = False) -> _Plan | PushOutcome | _NeedsLookups | _CommentIntent:
    with rt.sessions.begin() as session:
        intent = session.get(PushIntent, intent_id)
        if intent is None or intent.state is not IntentState.pending:
            return PushOutcome("nothing", "no pending intent")
        if intent.next_attempt_at > rt.clock():
            return PushOutcome("not_due", f"next attempt at {intent.next_attempt_at}")
        if intent.entity is Entity.comment:
            return _CommentIntent()
        try:
            plan = _plan(rt, session, intent)
        except MappingError as exc:
            connector = rt.connectors[intent.connector_id]
            if not final and not connector.lookups_loaded and len(connector.lookups):
                return _NeedsLookups(intent.connector_id)
            return _fail(rt, intent, f"cannot translate for {intent.connector_id}: {exc}")
        if plan is None:
            refusals.settle(session, intent, rt.clock())
            return PushOutcome("nothing", "the tool already holds every value it takes")
        return plan


async def _write(connector: Connector[ConnectorConfig],
                 plan: _Plan) -> tuple[RemoteRecord | None, dict[str, str]]:
    """Write the plan; what the tool holds afterwards (None: it took nothing), and the remote
    paths it refused (-> its reason). What a tool refuses in part (`FieldsRefused`) is left
    out and the rest written again, unless the tool says it wrote the rest already."""
    patch: dict[str, Any] = dict(plan.remote_patch)
    refused: dict[str, str] = {}
    while True:
        try:
            if plan.link is not None:
                return await connector.push(plan.link, patch), refused
            remote = await connector.find_by_hub_id(plan.remote_type, plan.record_id)
            if remote is None:  # a retry after a crash (or a refusal) finds the first create
                remote = await connector.create(plan.remote_type, plan.record_id, patch)
            return remote, refused
        except FieldsRefused as exc:
            named = {path: why for path, why in exc.fields.items() if path in patch}
            if not named:  # none of what was sent: the write as a whole was refused
                raise Permanent(exc.reason, status=exc.status) from None
            refused.update(named)
            patch = {path: v for path, v in patch.items() if path not in named}
            if exc.record is not None:
                return exc.record, refused
            if not patch:
                if plan.link is None:
                    raise Permanent(f"nothing left to create with: {exc.reason}",
                                    status=exc.status) from None
                return None, refused


def _refused_fields(plan: _Plan, paths: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Canonical fields of the plan whose remote paths the tool refused (-> path, reason)."""
    out: dict[str, tuple[str, str]] = {}
    if not paths:
        return out
    for name, value in plan.sent.items():
        for path in plan.mapping.outbound(_typed(plan.mapping, {name: value}), plan.lookups,
                                          creating=plan.link is None):
            if path in paths:
                out[name] = (path, paths[path])
    return out


async def _read_back(connector: Connector[ConnectorConfig], plan: _Plan) -> RemoteRecord | None:
    """The remote's current state if it changed since the hub last saw it, else None."""
    if plan.link is None:
        return None
    try:
        found = await connector.fetch(plan.remote_type, [plan.link.remote_id])
    except NotImplementedError:
        return None  # the connector can't read single records: write without the check
    if not found:
        raise Permanent(f"{plan.remote_type} {plan.link.remote_id} no longer exists", status=404)
    current, seen = found[0], plan.seen_at
    if current.updated_at is not None and seen is not None and current.updated_at <= seen:
        return None
    return current


def _plan(rt: Runtime, session: Session, intent: PushIntent) -> _Plan | None:
    store = RecordStore(session)
    record = store.load(intent.entity, [intent.record_id]).get(intent.record_id)
    if record is None or record.deleted_at is not None:
        return None
    values = store.values(intent.entity, record)
    held = Holds(session, intent.entity, [intent.record_id], rt.clock()).fields(
        intent.record_id, intent.connector_id, values)
    link = session.get(Link, intent.link_id) if intent.link_id else None
    if link is None or link.deleted_at is not None:
        # The object the intent was for was deleted in the tool: only a mirror rule makes a
        # new one (a restored record's counterpart, say); nothing else writes there.
        link = session.query(Link).filter_by(connector_id=intent.connector_id,
                                             entity=intent.entity, record_id=intent.record_id,
                                             deleted_at=None).first()
        intent.link_id = link.id if link is not None else None
        if link is None and not intent.create:
            return None
    if link is not None:
        intent.link_id = link.id
        mapping = rt.type_mapping(link.connector_id, link.remote_type)
        sent = pending_patch(rt, link, values, held)
        if not sent:
            return None
        ref = LinkRef(link.remote_type, link.remote_id, dict(link.shadow or {}), link.url,
                      hub_id=intent.record_id)
        tables = _lookups(rt, session, mapping, link.connector_id)
        return _Plan(intent.record_id, link.connector_id, mapping, ref, link.remote_type, sent,
                     mapping.outbound(_typed(mapping, sent), tables), link.remote_updated_at,
                     tables)
    remote_type = rt.remote_type_for(intent.connector_id, intent.entity)
    if remote_type is None:
        raise MappingError("create", f"the {intent.connector_id} mapping has no type for "
                                     f"{intent.entity.value}")
    mapping = rt.type_mapping(intent.connector_id, remote_type)
    # A new object gets the values there are: explicit nulls may be refused by a tool.
    sent = {f: values[f] for f in mapping.creation_fields
            if f not in held and values.get(f) not in (None, [])}
    tables = _lookups(rt, session, mapping, intent.connector_id)
    return _Plan(intent.record_id, intent.connector_id, mapping, None, remote_type, sent,
                 mapping.outbound(_typed(mapping, sent), tables, creating=True), None, tables)


def _lookups(rt: Runtime, session: Session, mapping: TypeMapping,
             connector_id: str) -> Lookups | None:
    return batch_lookups(rt, session, connector_id) if mapping.lookups else None


def _typed(mapping: TypeMapping, values: dict[str, Any]) -> dict[str, Any]:
    return {f: from_json(mapping.field_type(f), v) for f, v in values.items()}


def _record_success(rt: Runtime, session: Session, intent_id: str, plan: _Plan,
                    remote: RemoteRecord | None, refused: dict[str, tuple[str, str]]) -> None:
    intent = session.get_one(PushIntent, intent_id)
    intent.state, intent.last_error, intent.attempts = IntentState.done, None, 0
    refusals.record(session, intent, plan.sent, refused, rt.clock())
    if remote is not None:
        _learn(rt, session, intent, plan, remote,
               {f: v for f, v in plan.sent.items() if f not in refused})
    if _still_behind(rt, session, intent):
        # A change arrived while this push was under way (a resolved conflict, an API edit):
        # the intent stays open for it, rather than closing with the tool a change behind.
        intent.state, intent.next_attempt_at = IntentState.pending, rt.clock()
    else:
        refusals.settle(session, intent, rt.clock())


def _learn(rt: Runtime, session: Session, intent: PushIntent, plan: _Plan,
           remote: RemoteRecord, written: dict[str, Any]) -> None:
    """Take the tool's answer: the link (a new one for a create), what it now holds."""
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
        # The tool holds what we sent, unless we already saw a later state of it; and our own
        # write is no person's edit, so its field times are taken as seen.
        link.shadow = {**(link.shadow or {}), **written}
        lookups = _lookups(rt, session, plan.mapping, plan.connector_id)
        link.field_times = {**(link.field_times or {}),
                            **_written_times(plan, remote, written, lookups)}
    Ingest(rt, session, plan.connector_id, delivery="push").run([remote])


def _still_behind(rt: Runtime, session: Session, intent: PushIntent) -> bool:
    link = session.get(Link, intent.link_id) if intent.link_id else None
    store = RecordStore(session)
    record = store.load(intent.entity, [intent.record_id]).get(intent.record_id)
    if link is None or record is None or record.deleted_at is not None:
        return False
    values = store.values(intent.entity, record)
    held = Holds(session, intent.entity, [intent.record_id], rt.clock()).fields(
        intent.record_id, intent.connector_id, values)
    return bool(pending_patch(rt, link, values, held))


def _written_times(plan: _Plan, remote: RemoteRecord, written: dict[str, Any],
                   lookups: Lookups | None) -> dict[str, str]:
    try:
        sources = plan.mapping.inbound(remote.payload, lookups).sources
    except MappingError:
        return {}
    times = {name: remote.exact_time(sources.get(name)) for name in written}
    return {name: t.isoformat() for name, t in times.items() if t is not None}


def _retry(rt: Runtime, session: Session, intent_id: str, exc: Retriable) -> PushOutcome:
    intent = session.get_one(PushIntent, intent_id)
    intent.attempts += 1
    intent.last_error = exc.reason
    if intent.attempts >= MAX_ATTEMPTS:
        return _fail(rt, intent, f"gave up after {intent.attempts} attempts: {exc.reason}")
    delay = backoff(intent.attempts, exc.retry_after)
    intent.next_attempt_at = rt.clock() + timedelta(seconds=delay)
    return PushOutcome("retry", f"{exc.reason}; next attempt in {delay:.1f}s")


def _fail(rt: Runtime, intent: PushIntent, reason: str) -> PushOutcome:
    intent.state, intent.last_error = IntentState.failed, reason
    session = object_session(intent)
    if session is not None:  # rules on `push_refused` (a message to the team), same transaction
        rules_engine.push_refused(rt, session, intent, reason)
    log.warning("push of %s %s to %s failed: %s", intent.entity.value, intent.record_id,
                intent.connector_id, reason)
    return PushOutcome("failed", reason)
