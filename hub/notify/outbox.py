"""Delivering the outbox: at least once, within each channel's rate limit, batching rather
than dropping, with retries and backoff; what fails for good stays visible.

Each round, per channel: rows handed back by a deliverer that died (`sending` for longer than
`CLAIM_TIMEOUT`) are pending again; the messages sent in the last minute say how many may go
now; when more are waiting than that, the last one sent carries all the rest together. A row
is marked sent only after the service took it, so a crash in between sends it again (at least
once), never loses it.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from hub.config.rules import Channel
from hub.errors import Permanent, Retriable
from hub.ids import new_id
from hub.notify.channels import per_minute, send
from hub.store.notify import Notification, NotificationState
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=2)
WINDOW = timedelta(minutes=1)
_BATCH_TITLE = {"en": "{n} notifications", "zh": "{n} 条通知"}


@dataclass
class Delivered:
    """What one round did."""

    sent: int = 0  #: messages the services took (a batch counts once)
    notifications: int = 0  #: outbox rows they carried
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  #: rows held back by a rate limit


async def deliver_due(rt: Runtime) -> Delivered:
    """Deliver every due outbox row, channel by channel."""
    total = Delivered()
    with rt.sessions.begin() as session:
        now = rt.clock()
        session.execute(update(Notification).where(
            Notification.state == NotificationState.sending,
            Notification.claimed_at < now - CLAIM_TIMEOUT).values(
            state=NotificationState.pending, next_attempt_at=now))
        channels = list(session.scalars(select(Notification.channel).where(
            Notification.state == NotificationState.pending,
            Notification.next_attempt_at <= now).distinct()))
    for name in sorted(channels):
        channel = rt.config.channels.get(name)
        if channel is None:
            _fail_all(rt, name, f"channel {name!r} is not configured any more")
            continue
        done = await _deliver_channel(rt, name, channel)
        total.sent += done.sent
        total.notifications += done.notifications
        total.retrying += done.retrying
        total.failed += done.failed
        total.waiting += done.waiting
    return total


async def _deliver_channel(rt: Runtime, name: str, channel: Channel) -> Delivered:
    done = Delivered()
    with rt.sessions.begin() as session:
        now = rt.clock()
        recent = session.scalar(select(func.count(func.distinct(
            func.coalesce(Notification.batch_id, Notification.id)))).where(
            Notification.channel == name, Notification.sent_at > now - WINDOW)) or 0
        budget = per_minute(channel) - recent
        due = list(session.scalars(select(Notification).where(
            Notification.channel == name, Notification.state == NotificationState.pending,
            Notification.next_attempt_at <= now).order_by(Notification.created_at,
                                                          Notification.id)))
        if budget <= 0:
            oldest = session.scalar(select(func.min(Notification.sent_at)).where(
                Notification.channel == name, Notification.sent_at > now - WINDOW))
            again = (oldest or now) + WINDOW
            for row in due:
                row.next_attempt_at = again
            done.waiting = len(due)
            return done
        # Singles while the budget lasts; the last message carries the rest (never dropped).
        if len(due) <= budget:
            groups = [[row] for row in due]
        else:
            groups = [[row] for row in due[:budget - 1]] + [due[budget - 1:]]
        for row in due:
            row.state, row.claimed_at = NotificationState.sending, now
        claimed = [[row.id for row in group] for group in groups]
    for ids in claimed:
        await _send_group(rt, name, channel, ids, done)
    return done


async def _send_group(rt: Runtime, name: str, channel: Channel, ids: list[str],
                      done: Delivered) -> None:
    with rt.sessions() as session:
        rows = list(session.scalars(select(Notification).where(Notification.id.in_(ids))
                                    .order_by(Notification.created_at, Notification.id)))
        if len(rows) == 1:
            title, body = rows[0].title, rows[0].body
        else:
            title = _BATCH_TITLE.get(rows[0].language, _BATCH_TITLE["en"]).format(n=len(rows))
            body = "\n\n".join(f"- {r.title}\n  {r.body}" for r in rows)
        attempts = max(r.attempts for r in rows)
    try:
        await send(channel, title, body)
    except Retriable as exc:
        _after_failure(rt, ids, attempts, exc.reason, exc.retry_after, done)
        return
    except Permanent as exc:
        _after_failure(rt, ids, MAX_ATTEMPTS, exc.reason, None, done)
        return
    with rt.sessions.begin() as session:
        now = rt.clock()
        batch = new_id() if len(ids) > 1 else None
        session.execute(update(Notification).where(Notification.id.in_(ids)).values(
            state=NotificationState.sent, sent_at=now, batch_id=batch, last_error=None,
            attempts=Notification.attempts + 1))
    done.sent += 1
    done.notifications += len(ids)


def _after_failure(rt: Runtime, ids: list[str], attempts: int, reason: str,
                   retry_after: float | None, done: Delivered) -> None:
    with rt.sessions.begin() as session:
        now = rt.clock()
        if attempts + 1 >= MAX_ATTEMPTS:
            session.execute(update(Notification).where(Notification.id.in_(ids)).values(
                state=NotificationState.failed, last_error=reason[:2000],
                attempts=Notification.attempts + 1))
            done.failed += len(ids)
            log.warning("%d notification(s) failed for good: %s", len(ids), reason)
            return
        delay = retry_after if retry_after is not None else \
            min(600.0, 2.0 ** (attempts + 1)) * (0.5 + random.random() / 2)
        session.execute(update(Notification).where(Notification.id.in_(ids)).values(
            state=NotificationState.pending, last_error=reason[:2000],
            attempts=Notification.attempts + 1,
            next_attempt_at=now + timedelta(seconds=delay)))
        done.retrying += len(ids)
        log.info("%d notification(s) wait %.0fs: %s", len(ids), delay, reason)


def _fail_all(rt: Runtime, name: str, reason: str) -> None:
    with rt.sessions.begin() as session:
        session.execute(update(Notification).where(
            Notification.channel == name,
            or_(Notification.state == NotificationState.pending,
                Notification.state == NotificationState.sending)).values(
            state=NotificationState.failed, last_error=reason))


def retry_failed(rt: Runtime, now: datetime) -> int:
    """Give failed notifications another go (`hub notifications --retry`)."""
    with rt.sessions.begin() as session:
        result = session.execute(update(Notification).where(
            Notification.state == NotificationState.failed).values(
            state=NotificationState.pending, attempts=0, next_attempt_at=now))
        return int(getattr(result, "rowcount", 0) or 0)
