"""The periodic work of rules and risks: time makes tasks overdue and stalled and forecasts
late, and connectors unhealthy; each refresh is one transaction whose changes run through the
derivations and rules like any other change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hub.model.enums import Entity
from hub.rules import engine, forecast, risks
from hub.rules.events import Event
from hub.store.notify import Forecast
from hub.store.sync import SyncCursor
from hub.sync import derive
from hub.sync.runtime import Runtime


def refresh_risks(rt: Runtime, now: datetime) -> int:
    """Recompute the open tasks' risks and the projects' forecasts; rules see the risks that
    were raised or cleared. Returns how many records' risks changed."""
    settings = rt.config.risks
    with rt.sessions.begin() as session:
        produced = derive.ChangeSet()
        changed = risks.refresh(rt, session, risks.open_tasks(session), now, settings, produced)
        if produced:
            derive.run(rt, session, produced, now)
    with rt.sessions.begin() as session:
        before = {f.project_id: forecast.is_late(f, settings)
                  for f in session.scalars(select(Forecast))}
        outcomes = forecast.refresh_forecasts(session, now, settings)
        session.flush()
        for project_id, outcome in outcomes.items():
            late = forecast.is_late(outcome, settings)
            if late == before.get(project_id, False):
                continue
            changed += 1
            kind = "risk_raised" if late else "risk_cleared"
            reason = f"{outcome.probability_late:.0%} chance of missing the due date" \
                if outcome.probability_late is not None else outcome.reason
            engine.emit(rt, session, Event(kind, Entity.project, project_id,
                                           risk=forecast.RISK, reason=reason,
                                           stamp=now.date().isoformat()), now)
    return changed


def watch_connectors(rt: Runtime, now: datetime) -> int:
    """Tell rules on `connector_unhealthy` about connectors failing since their last success
    for at least the rule's minutes (once per failure streak)."""
    wanted = [r for r in rt.config.rules if r.enabled and r.when.event == "connector_unhealthy"]
    if not wanted:
        return 0
    fired = 0
    with rt.sessions.begin() as session:
        for cursor in session.scalars(select(SyncCursor).where(
                SyncCursor.last_error.isnot(None), SyncCursor.last_error_at.isnot(None))):
            since = cursor.last_success_at
            if since is not None and cursor.last_error_at is not None and \
                    since > cursor.last_error_at:
                continue  # healthy again
            start = since or cursor.last_error_at
            assert start is not None
            minutes = int((now - start).total_seconds() // 60)
            event = Event("connector_unhealthy", connector=cursor.connector_id,
                          reason=cursor.last_error, new=minutes,
                          stamp=f"{cursor.stream}:{start.isoformat()}")
            fired += engine.emit(rt, session, event, now)
    return fired
