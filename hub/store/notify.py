"""What rules and digests leave behind: the notification outbox, the day's digests and the
projects' delivery forecasts. The outbox is written in the transaction of the change that
caused the message, so a message is never sent for a change that rolled back, and a crash
between commit and delivery loses nothing."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, IdMixin, JSONType, utcnow


class NotificationState(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by a deliverer; handed back if it dies (see `claimed_at`)
    sent = "sent"
    failed = "failed"  # refused for good, or out of attempts: shown by `hub notifications`


class Notification(IdMixin, Base):
    """One message to one channel (the outbox row)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_channel_state", "channel", "state"),
        Index("ix_notification_state_next_attempt_at", "state", "next_attempt_at"),
    )

    channel: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))  # or `digest`
    #: the same event for the same rule and channel makes one message, however often it's seen
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    entity: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(26))
    state: Mapped[NotificationState] = mapped_column(String(16), default=NotificationState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    #: the message it went out in, when several were batched into one (rate limit)
    batch_id: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class Digest(IdMixin, Base):
    """One day's digest for one subject (a project, a department, a manager, everything)."""

    __tablename__ = "digest"
    __table_args__ = (Index("uq_digest_scope_key_day_language", "scope", "key", "day",
                            "language", unique=True),)

    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(300))
    day: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Forecast(Base):
    """A project's delivery forecast: Monte Carlo over its own finished tasks per day."""

    __tablename__ = "forecast"

    project_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer)
    p50: Mapped[date | None] = mapped_column(Date)
    p85: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    probability_late: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
