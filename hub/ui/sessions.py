"""Dashboard sessions: open one from a proof of identity, find its principal per request, end it.

A session is a random secret in an HttpOnly cookie (SameSite=Lax; Secure behind TLS); the hub
stores its SHA-256 and how the person signed in (`provider`). Each provider turns a stored
session back into a `Principal` with the same role and scope as the API would give:

- `token`: an API token pasted once; revoking or expiring the token ends its sessions;
- single sign-on (`hub.ui.sso`): each identity provider of the app's `sso:` config is a
  provider `oidc:<name>` (`app.state.ui_providers`, passed to `find_session`); its sessions
  keep the person's claims and map them to a role at each request.

Every form and htmx request sends the session's CSRF secret back (`check_csrf`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from hub.auth import tokens
from hub.auth.principal import Principal
from hub.store.auth import ApiToken
from hub.store.ui import UiSession

COOKIE = "hub_session"
#: before sign-in: the double-submit secret of the sign-in form
PRE_COOKIE = "hub_signin_csrf"
LIFETIME = timedelta(hours=12)
#: a session's last use is written at most this often
TOUCH_EVERY = timedelta(minutes=1)

#: provider -> how a stored session becomes its principal (or why it no longer does)
Provider = Callable[[Session, UiSession, datetime], "Principal | str"]
PROVIDERS: dict[str, Provider] = {}


@dataclass(frozen=True)
class SignedIn:
    """A request's session: who, and the CSRF secret its forms carry."""

    principal: Principal
    csrf: str
    session_id: str


def register_provider(name: str, provider: Provider) -> None:
    """Let sessions opened by `name` (an SSO provider) find their principal."""
    PROVIDERS[name] = provider


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def open_session(session: Session, now: datetime, *, provider: str,
                 token_id: str | None = None, subject: str | None = None,
                 claims: dict[str, Any] | None = None, lifetime: timedelta = LIFETIME) -> str:
    """Store a new session (the caller commits) and return the cookie's secret."""
    secret = new_secret()
    session.add(UiSession(id=digest(secret), provider=provider, token_id=token_id,
                          subject=subject, claims=claims, csrf=new_secret(), created_at=now,
                          last_seen_at=now, expires_at=now + lifetime))
    return secret


def sign_in_with_token(session: Session, secret: str, now: datetime) -> str:
    """A session for a valid API token; TokenRefused says why not (the token's own message)."""
    found = tokens.authenticate(session, secret.strip(), now)
    if isinstance(found, str):
        raise TokenRefused(found)
    cookie = open_session(session, now, provider="token", token_id=found.token_id)
    forget_ended(session, now)
    session.commit()
    return cookie


def forget_ended(session: Session, now: datetime) -> None:
    """Delete sessions that ended (expired or signed out) more than a day ago; the caller
    commits. Run at each sign-in, so the table holds about a day of sign-ins."""
    before = now - timedelta(days=1)
    session.execute(delete(UiSession).where(or_(
        UiSession.expires_at < before, UiSession.signed_out_at < before)))


class TokenRefused(Exception):
    """The pasted token is not one the hub takes; the message says why."""


def find_session(session: Session, cookie: str | None, now: datetime,
                 providers: Mapping[str, Provider] | None = None) -> SignedIn | None:
    """The signed-in person of a cookie, or None (no, unknown, ended or expired session).
    `providers` are the app's own (its SSO providers) besides the registered ones."""
    if not cookie or len(cookie) > 100:
        return None
    row = session.get(UiSession, digest(cookie))
    if row is None or row.signed_out_at is not None or row.expires_at <= now:
        return None
    provider = (providers or {}).get(row.provider) or PROVIDERS.get(row.provider)
    if provider is None:
        return None  # its provider is no longer configured
    found = provider(session, row, now)
    if isinstance(found, str):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return SignedIn(found, row.csrf, row.id)


def sign_out(session: Session, cookie: str | None, now: datetime) -> str | None:
    """End the session of a cookie (no-op for an unknown one); returns how it had signed in
    (its provider), so that an SSO sign-out can end the provider's session too."""
    row = session.get(UiSession, digest(cookie)) if cookie and len(cookie) <= 100 else None
    if row is not None and row.signed_out_at is None:
        row.signed_out_at = now
        session.commit()
        return row.provider
    return None


def check_csrf(expected: str, sent: str | None) -> bool:
    """Whether a form or htmx request carries the session's CSRF secret."""
    return bool(sent) and hmac.compare_digest(expected.encode(), (sent or "").encode())


def _by_token(session: Session, row: UiSession, now: datetime) -> Principal | str:
    token = session.get(ApiToken, row.token_id) if row.token_id else None
    if token is None or tokens.state(token, now) != "active":
        return "the token behind this session was revoked or expired"
    return replace(Principal(token_id=token.id, name=token.name, role=token.role,
                             department=token.department, partner=token.partner,
                             projects=tuple(token.projects or ()),
                             expires_at=token.expires_at), channel="ui")


register_provider("token", _by_token)

