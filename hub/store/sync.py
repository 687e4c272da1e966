"""The sync engine's durable state: links and shadows, provenance, audit, inbox, push intents,
conflicts, quarantine and cursors. Everything a crash must not lose lives here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.model.enums import Entity
from hub.store.base import Base, IdMixin, JSONType, TimestampMixin, utcnow
from hub.store.canonical import enum_column

# SQLite only autoincrements a plain INTEGER primary key.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Link(IdMixin, TimestampMixin, Base):
    """Ties one remote object to one canonical record, with what that remote is known to hold.

    `shadow` holds canonical field values the remote has (we read them or we wrote them); a
    remote change equal to its shadow is our own echo and changes nothing.
    """

    __tablename__ = "link"
    __table_args__ = (
        # The most selective column leads: lookups are `remote_id IN (...)` for a page, and a
        # planner without fresh statistics (mid-backfill) still uses the index for it.
        Index("uq_link_remote", "remote_id", "connector_id", "remote_type", unique=True),
        Index("ix_link_record_id_entity", "record_id", "entity"),
    )

    connector_id: Mapped[str] = mapped_column(String(64))
    remote_type: Mapped[str] = mapped_column(String(64))
    remote_id: Mapped[str] = mapped_column(String(255))
    entity: Mapped[Entity] = mapped_column(enum_column(Entity))
    record_id: Mapped[str] = mapped_column(String(26))
    shadow: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: field -> the tool's own change time of that field as of the shadow (when it gives one):
    #: a later time with the same value means a person edited it meanwhile
    field_times: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    remote_updated_at: Mapped[datetime | None] = mapped_column()
    remote_version: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2000))
    deleted_at: Mapped[datetime | None] = mapped_column()


class MatchKey(Base):
    """A value that identifies a record across tools (a Jira key, an e-mail), per match rule.

    Kept in its own table so identity resolution is one indexed lookup on every database.
    """

    __tablename__ = "match_key"

    entity: Mapped[Entity] = mapped_column(enum_column(Entity), primary_key=True)
    field: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)


class AuditEntry(Base):
    """One change of one record: the fields' old and new values, who, and from which delivery.

    `changes` is `{field: {"old": ..., "new": ...}}`. The autoincrementing id orders the change
    feed (`/api/v1/changes?since=`).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_record_id_entity", "record_id", "entity"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    entity: Mapped[Entity] = mapped_column(enum_column(Entity))
    record_id: Mapped[str] = mapped_column(String(26))
    #: create, update, delete, restore (an undelete), revert, resolve
    action: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    source: Mapped[str] = mapped_column(String(64))
    link_id: Mapped[str | None] = mapped_column(String(26))
    delivery: Mapped[str | None] = mapped_column(String(255))  # webhook delivery id or "poll"
    #: the person behind a change made through single sign-on: issuer, subject, name, via
    actor: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    at: Mapped[datetime] = mapped_column(default=utcnow)  # the feed is ordered by id


class InboxState(StrEnum):
    pending = "pending"
    processed = "processed"
    failed = "failed"


class InboxItem(IdMixin, Base):
    """A webhook delivery, stored before it is acknowledged and processed later.

    Duplicates are refused by the unique delivery id and the unique body hash.
    """

    __tablename__ = "inbox_item"
    __table_args__ = (
        Index("uq_inbox_item_delivery", "connector_id", "delivery_id", unique=True),
        Index("uq_inbox_item_body", "connector_id", "body_sha256", unique=True),
        Index("ix_inbox_item_state_received_at", "state", "received_at"),
    )

    connector_id: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[str] = mapped_column(String(255))
    body_sha256: Mapped[str] = mapped_column(String(64))
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[InboxState] = mapped_column(enum_column(InboxState), default=InboxState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column()


class IntentState(StrEnum):
    pending = "pending"
    done = "done"
    failed = "failed"


class PushIntent(IdMixin, TimestampMixin, Base):
    """A record that must be written to one connector; one row per (connector, record), so
    repeated changes coalesce into one push of the latest values."""

    __tablename__ = "push_intent"
    __table_args__ = (
        Index("uq_push_intent_target", "record_id", "entity", "connector_id", unique=True),
        Index("ix_push_intent_state_next_attempt_at", "state", "next_attempt_at"),
    )

    connector_id: Mapped[str] = mapped_column(String(64))
    entity: Mapped[Entity] = mapped_column(enum_column(Entity))
    record_id: Mapped[str] = mapped_column(String(26))
    link_id: Mapped[str | None] = mapped_column(ForeignKey("link.id", ondelete="CASCADE"))
    create: Mapped[bool] = mapped_column(default=False)  # a mirror rule asks for a new remote
    state: Mapped[IntentState] = mapped_column(enum_column(IntentState),
                                               default=IntentState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)


class ConflictState(StrEnum):
    open = "open"
    resolved = "resolved"


class Conflict(IdMixin, TimestampMixin, Base):
    """Two sources changed the same field concurrently. Kept even when a policy resolved it."""

    __tablename__ = "conflict"
    __table_args__ = (
        Index("ix_conflict_record_id_entity", "record_id", "entity"),
        Index("ix_conflict_state", "state"),
    )

    entity: Mapped[Entity] = mapped_column(enum_column(Entity))
    record_id: Mapped[str] = mapped_column(String(26))
    field: Mapped[str] = mapped_column(String(120))
    base: Mapped[Any] = mapped_column(JSONType, nullable=True)  # the shadow both diverged from
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    policy: Mapped[str] = mapped_column(String(64))
    state: Mapped[ConflictState] = mapped_column(enum_column(ConflictState),
                                                 default=ConflictState.open)
    resolved_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column()


class QuarantineItem(IdMixin, Base):
    """A record that could not be mapped, kept with the reason instead of being dropped."""

    __tablename__ = "quarantine_item"
    __table_args__ = (Index("ix_quarantine_item_connector_id_created_at",
                            "connector_id", "created_at"),)

    connector_id: Mapped[str] = mapped_column(String(64))
    remote_type: Mapped[str | None] = mapped_column(String(64))
    remote_id: Mapped[str | None] = mapped_column(String(255))
    location: Mapped[str | None] = mapped_column(String(1000))  # e.g. file, sheet, row, column
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[Any] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()


class SyncCursor(Base):
    """Where a connector's poll of one stream got to; advanced only after a batch commits."""

    __tablename__ = "sync_cursor"

    connector_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True, default="default")
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column()

    @classmethod
    def of(cls, session: Session, connector_id: str, stream: str) -> SyncCursor:
        """The row of this connector's stream, added to the session if it has none yet."""
        row = session.get(cls, (connector_id, stream))
        if row is None:
            row = cls(connector_id=connector_id, stream=stream)
            session.add(row)
        return row


class WebhookSecret(Base):
    """A secret a tool agreed in a webhook handshake; its deliveries are signed with it."""

    __tablename__ = "webhook_secret"

    connector_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookHandshake(Base):
    """A one-time token in a webhook address the hub registered: the tool's handshake at that
    address is accepted once, before `expires_at`; any other handshake is refused. Only the
    token's hash is kept."""

    __tablename__ = "webhook_handshake"

    connector_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class PushRefusal(IdMixin, Base):
    """A field of a record that one tool refused to take (a status no workflow path reaches, an
    assignee without an account there) while the rest of the push went through.

    The field is held back from that tool while the record keeps the refused `value`, until
    `retry_at`; what it refers to appearing in the hub (`waits_for`, e.g. `person:<e-mail>`)
    brings the retry forward. A push that writes the field, or a change of the record's
    value, ends the refusal.
    """

    __tablename__ = "push_refusal"
    __table_args__ = (
        Index("uq_push_refusal_target", "record_id", "entity", "connector_id", "field",
              unique=True),
        Index("ix_push_refusal_connector_id", "connector_id"),
        Index("ix_push_refusal_waits_for", "waits_for"),
    )

    connector_id: Mapped[str] = mapped_column(String(64))
    entity: Mapped[Entity] = mapped_column(enum_column(Entity))
    record_id: Mapped[str] = mapped_column(String(26))
    field: Mapped[str] = mapped_column(String(120))  # the canonical field
    remote_path: Mapped[str] = mapped_column(String(255))
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)  # the canonical value refused
    reason: Mapped[str] = mapped_column(Text)  # the tool's own words
    waits_for: Mapped[str | None] = mapped_column(String(400))
    attempts: Mapped[int] = mapped_column(default=1)
    refused_at: Mapped[datetime] = mapped_column(default=utcnow)  # first refusal of this value
    last_refused_at: Mapped[datetime] = mapped_column(default=utcnow)
    retry_at: Mapped[datetime] = mapped_column()
