"""`hub rules try RULE`: what a rule would do if its event happened now to the records the
current data offers, decided by the same planner the engine uses, and nothing done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.config.models import HubConfig
from hub.config.rules import RuleConfig
from hub.rules.events import Event
from hub.rules.plan import Effect, Planner, same_value
from hub.store.sync import Conflict, ConflictState, IntentState, PushIntent, SyncCursor
from hub.store.tables import RECORD_TABLES
from hub.sync.records import RecordStore


@dataclass
class Trial:
    """One record (or connector) the rule would act on, and how."""

    subject: str
    event: Event
    effects: list[Effect]


def try_rule(config: HubConfig, session: Session, rule: RuleConfig, now: datetime,
             limit: int = 50) -> list[Trial]:
    """The effects `rule` would have, per candidate event (only those its conditions pass).
    The session is only read; the caller rolls it back."""
    planner = Planner(config, session, RecordStore(session), now)
    out: list[Trial] = []
    for event in _candidates(session, rule, limit * 4):
        effects = planner.plan(rule, event)
        if effects:
            subject = f"{event.entity.value} {event.record_id}" if event.entity and \
                event.record_id else str(event.connector)
            out.append(Trial(subject, event, effects))
            if len(out) >= limit:
                break
    return out


def _candidates(session: Session, rule: RuleConfig, limit: int) -> list[Event]:
    when = rule.when
    if when.event in ("changed", "created", "deleted", "risk_raised", "risk_cleared") and \
            when.entity is not None:
        table = RECORD_TABLES[when.entity]
        query = select(table).order_by(table.id.desc()).limit(limit * 10)
        query = query.where(table.deleted_at.isnot(None) if when.event == "deleted"
                            else table.deleted_at.is_(None))
        store = RecordStore(session)
        events = []
        for record in session.scalars(query):
            values = store.values(when.entity, record)
            if when.event == "changed" and when.field is not None:
                now_value = getattr(record, "risks", None) if when.field == "risks" \
                    else values.get(when.field)
                if when.to is not None and not same_value(now_value, when.to):
                    continue
                old = when.from_[0] if isinstance(when.from_, list) else when.from_
                events.append(Event("changed", when.entity, record.id, when.field, old,
                                    now_value, stamp="try"))
            elif when.event in ("risk_raised", "risk_cleared"):
                risks = list(getattr(record, "risks", None) or [])
                wanted = [when.risk] if when.risk else risks
                if when.event == "risk_raised":
                    events += [Event("risk_raised", when.entity, record.id, risk=r, stamp="try")
                               for r in wanted if r in risks]
            else:
                events.append(Event(when.event, when.entity, record.id, stamp="try"))
            if len(events) >= limit:
                break
        return events
    if when.event == "conflict_opened":
        return [Event("conflict_opened", c.entity, c.record_id, c.field, stamp=c.id)
                for c in session.scalars(select(Conflict).where(
                    Conflict.state == ConflictState.open).limit(limit))]
    if when.event == "push_refused":
        return [Event("push_refused", i.entity, i.record_id, connector=i.connector_id,
                      reason=i.last_error, stamp=i.id)
                for i in session.scalars(select(PushIntent).where(
                    PushIntent.state == IntentState.failed).limit(limit))]
    if when.event == "connector_unhealthy":
        return [Event("connector_unhealthy", connector=c.connector_id, reason=c.last_error,
                      stamp="try")
                for c in session.scalars(select(SyncCursor).where(
                    SyncCursor.last_error.isnot(None)).limit(limit))]
    return []
