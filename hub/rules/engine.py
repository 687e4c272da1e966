"""Running the configured rules in the transaction of the change that triggers them.

`hub.sync.derive.run` calls `run_round` after each round of derivations with that round's
changes: the rules' field changes are applied like a derivation's (version, provenance
`rule:<name>`, audit, push intents) and handed to the next round, their messages become outbox
rows, their follow-up tasks become records with a create intent. All of it commits, or rolls
back, with the change.

A rule's own writes can't retrigger it without end: a rule acts at most once per record and
field (or risk) per transaction (a second time is skipped with a warning), and rules stop after
`MAX_DEPTH` rounds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.notify.templates import TemplateProblem
from hub.rules.events import Event, change_events, opened_conflicts
from hub.rules.plan import Effect, Planner, matches_when
from hub.store.notify import Notification, NotificationState
from hub.store.sync import AuditEntry, IntentState, PushIntent
from hub.sync import derive, wake
from hub.sync.dispatch import Job
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

#: rounds of rules reacting to rules' changes in one transaction
MAX_DEPTH = 3
_FIRED = "hub.rules.fired"
NOTIFY_JOB = Job("notify")


def run_round(rt: Runtime | None, session: Session, changes: derive.ChangeSet, now: datetime,
              depth: int, produced: derive.ChangeSet) -> int:
    """Apply the rules the round's changes trigger (`derive.ROUND_HOOKS`)."""
    if rt is None or not rt.config.rules:
        return 0
    store = RecordStore(session)
    planner = Planner(rt.config, session, store, now)
    relevant = _relevant(rt, changes)
    current = {entity: planner.values_of(entity, ids) for entity, ids in relevant.items()}
    wanted = derive.ChangeSet()
    for entity, ids in relevant.items():
        for record_id in ids:
            wanted.changed(entity, record_id, changes.fields[entity][record_id],
                           changes.before.get(entity, {}).get(record_id))
    events = [*change_events(wanted, current), *opened_conflicts(session)]
    if not events:
        return 0
    return handle(rt, session, planner, events, now, depth, produced)


def _relevant(rt: Runtime, changes: derive.ChangeSet) -> dict[Entity, list[str]]:
    """The changed records some rule may react to (a backfill of thousands of records that
    no rule watches reads nothing more)."""
    watched: dict[Entity, set[str] | None] = {}
    for rule in rt.config.rules:
        when = rule.when
        if not rule.enabled or when.entity is None:
            continue
        if when.event == "changed" and when.field is not None:
            fields = watched.setdefault(when.entity, set())
            if fields is not None:
                fields.add(when.field)
        elif when.event in ("risk_raised", "risk_cleared"):
            fields = watched.setdefault(when.entity, set())
            if fields is not None:
                fields.add("risks")
        elif when.event in ("created", "deleted"):
            watched[when.entity] = None  # created/deleted records always count
    out: dict[Entity, list[str]] = {}
    for entity, fields in watched.items():
        ids = changes.ids(entity, fields)
        if ids:
            out[entity] = sorted(ids)
    return out


def emit(rt: Runtime, session: Session, event: Event, now: datetime) -> int:
    """Run the rules for an event the engine reports (a push refused for good, a connector
    unhealthy), in the caller's transaction; their field changes run through the derivations
    and rules in turn."""
    if not rt.config.rules:
        return 0
    planner = Planner(rt.config, session, RecordStore(session), now)
    produced = derive.ChangeSet()
    count = handle(rt, session, planner, [event], now, 0, produced)
    if produced:
        count += derive.run(rt, session, produced, now)
    return count


def handle(rt: Runtime, session: Session, planner: Planner, events: Iterable[Event],
           now: datetime, depth: int, produced: derive.ChangeSet) -> int:
    """Plan and apply every enabled rule matching `events`."""
    fired: set[tuple[str, str]] = session.info.setdefault(_FIRED, set())
    count = 0
    for event in events:
        for rule in rt.config.rules:
            if not rule.enabled or not matches_when(rule.when, event):
                continue
            subject = f"{event.entity}:{event.record_id or event.connector}"
            if (rule.name, f"{subject}:{event.field or event.risk}") in fired:
                log.warning("rule %s acted on %s already in this change: not again (do rules "
                            "trigger each other?)", rule.name, subject)
                continue
            if depth >= MAX_DEPTH:
                log.warning("rule %s not run on %s: rules have reacted to rules %d times in "
                            "this change (do rules trigger each other?)", rule.name, subject,
                            MAX_DEPTH)
                continue
            try:
                effects = planner.plan(rule, event)
            except TemplateProblem as exc:
                log.warning("rule %s: %s", rule.name, exc)
                continue
            if effects:
                fired.add((rule.name, f"{subject}:{event.field or event.risk}"))
            count += apply(rt, session, planner.store, effects, now, produced)
    return count


def apply(rt: Runtime, session: Session, store: RecordStore, effects: Iterable[Effect],
          now: datetime, produced: derive.ChangeSet) -> int:
    """Carry out planned effects in the session's transaction; returns records changed."""
    changed = 0
    for effect in effects:
        if effect.kind == "notify":
            queue_message(session, effect, now)
        elif effect.kind == "set" and effect.entity is not None:
            changed += derive.apply_updates(rt, session, store, effect.entity,
                                            f"rule:{effect.rule}", effect.updates, now, produced)
        elif effect.kind == "create" and effect.record_id and effect.connector:
            _create_task(rt, session, store, effect, now, produced)
            changed += 1
    return changed


def queue_message(session: Session, effect: Effect, now: datetime) -> bool:
    """Write the message to the outbox (once per dedupe key); the delivery job is asked for
    when the transaction commits."""
    seen: set[str] = session.info.setdefault("hub.rules.queued", set())
    if effect.dedupe_key in seen or session.scalar(select(Notification.id).where(
            Notification.dedupe_key == effect.dedupe_key)) is not None:
        return False
    seen.add(effect.dedupe_key)
    session.add(Notification(
        channel=effect.channel or "", rule=effect.rule, dedupe_key=effect.dedupe_key[:400],
        title=effect.title, body=effect.body, language=effect.language,
        entity=effect.entity.value if effect.entity else None, record_id=effect.record_id,
        state=NotificationState.pending, attempts=0, next_attempt_at=now, created_at=now))
    wake.ask(session, {NOTIFY_JOB})
    return True


def _create_task(rt: Runtime, session: Session, store: RecordStore, effect: Effect,
                 now: datetime, produced: derive.ChangeSet) -> None:
    assert effect.record_id is not None
    assert effect.connector is not None
    record = store.create(Entity.task, effect.record_id)
    store.write(Entity.task, record, effect.values)
    source = f"rule:{effect.rule}"
    record.provenance = {"*": {"source": source, "link": None, "at": now.isoformat(),
                               "v": 1, "exact": True}}
    session.add(AuditEntry(entity=Entity.task, record_id=record.id, action="create",
                           changes={k: {"old": None, "new": v} for k, v in effect.values.items()},
                           source=source, delivery="rule", at=now))
    session.add(PushIntent(connector_id=effect.connector, entity=Entity.task,
                           record_id=record.id, link_id=None, create=True, attempts=0,
                           next_attempt_at=now, state=IntentState.pending))
    session.flush()
    produced.created(Entity.task, record.id)


def push_refused(rt: Runtime, session: Session, intent: PushIntent, reason: str) -> int:
    """A tool refused a change for good (`hub.sync.push`): the `push_refused` event."""
    event = Event("push_refused", intent.entity, intent.record_id, connector=intent.connector_id,
                  reason=reason, stamp=f"{intent.id}:{intent.attempts}:{reason[:80]}")
    try:
        return emit(rt, session, event, rt.clock())
    except Exception:  # a broken rule must not undo the record of the failure
        log.exception("rules for a refused push of %s %s failed", intent.entity.value,
                      intent.record_id)
        return 0
