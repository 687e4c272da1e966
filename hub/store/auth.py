"""API tokens: who may call the unified API, with which role and scope.

Only a SHA-256 of each secret is stored; the secret itself is shown once, when it is created.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, IdMixin, JSONType, utcnow
from hub.store.canonical import enum_column


class Role(StrEnum):
    """What a token may do (see `hub.auth.scope` for the rules)."""

    admin = "admin"
    manager = "manager"
    department = "department"
    partner = "partner"
    viewer = "viewer"


class ApiToken(IdMixin, Base):
    """One API token. `department` scopes a department token; `partner` and `projects` (keys)
    scope a partner token."""

    __tablename__ = "api_token"
    __table_args__ = (Index("uq_api_token_secret_sha256", "secret_sha256", unique=True),)

    name: Mapped[str] = mapped_column(String(56))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    department: Mapped[str | None] = mapped_column(String(120))
    partner: Mapped[str | None] = mapped_column(String(120))
    projects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    #: the secret's first characters, so a person can tell their tokens apart in `hub token list`
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
