"""Dashboard sessions: a browser signed in to /ui.

A session names how its person proved who they are (`provider`): `token` (an API token pasted
once; the session ends with the token) or `oidc` (single sign-on: `subject`, `claims`). Only a
SHA-256 of the cookie's secret is stored, as for API tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, JSONType, utcnow


class UiSession(Base):
    """One signed-in browser."""

    __tablename__ = "ui_session"

    #: SHA-256 of the cookie's secret
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: how the person signed in: `token`, or an SSO provider's name
    provider: Mapped[str] = mapped_column(String(32))
    token_id: Mapped[str | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="CASCADE"), index=True)
    #: who the SSO provider says signed in (its `sub`); None for tokens
    subject: Mapped[str | None] = mapped_column(String(255))
    #: what the SSO provider said of the person (no token): mapped to a role at each request,
    #: so a change of the `sso:` config applies to open sessions
    claims: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: the secret every form and htmx request of this session sends back
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    signed_out_at: Mapped[datetime | None] = mapped_column()
