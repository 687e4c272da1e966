"""API tokens: created with a random secret shown once, stored as its SHA-256, checked in
constant time, listed and revoked by id."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.errors import HubError
from hub.ids import new_id
from hub.store.auth import ApiToken, Role

PREFIX = "hub_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,55}")
#: a token's last use is written at most this often: not one write per request
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(HubError):
    """A token that can't be created or found; the message says what to change."""


@dataclass(frozen=True)
class NewToken:
    """A created token and its secret, which exists only here: show it once."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, role: Role, now: datetime, *, name: str | None = None,
                 department: str | None = None, partner: str | None = None,
                 projects: Sequence[str] = (), expires_in: timedelta | None = None) -> NewToken:
    """Add a token to the session (the caller commits) and return it with its secret."""
    _check_scope(role, department, partner, projects)
    if name is not None and not _NAME.fullmatch(name):
        raise TokenError(f"token name {name!r} is not allowed: up to 56 letters, digits, "
                         "'.', '_', '-' or '@', starting with a letter or digit")
    secret = PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    token_id = new_id()
    token = ApiToken(id=token_id, name=name or f"{role.value}-{token_id[-6:].lower()}",
                     role=role, department=department, partner=partner,
                     projects=sorted(set(projects)), secret_sha256=digest(secret),
                     hint=secret[:len(PREFIX) + 6], created_at=now,
                     expires_at=now + expires_in if expires_in else None)
    session.add(token)
    return NewToken(token, secret)


def _check_scope(role: Role, department: str | None, partner: str | None,
                 projects: Sequence[str]) -> None:
    if role is Role.department and not department:
        raise TokenError("a department token needs --department (e.g. --department R&D)")
    if role is not Role.department and department:
        raise TokenError("--department is only for --role department")
    if role is Role.partner and not (partner and projects):
        raise TokenError("a partner token needs --partner NAME and --projects KEY1,KEY2 "
                         "(the project keys shared with that partner)")
    if role is not Role.partner and (partner or projects):
        raise TokenError("--partner and --projects are only for --role partner")


def authenticate(session: Session, secret: str, now: datetime) -> Principal | str:
    """The principal of a valid secret, or why it is refused (a sentence for the caller)."""
    if not secret.startswith(PREFIX):
        return "the token is not a hub API token (they start with hub_)"
    wanted = digest(secret)
    token = session.scalars(select(ApiToken).where(ApiToken.secret_sha256 == wanted)).first()
    # The lookup is by a hash of a 256-bit secret; the compare is constant-time regardless.
    if token is None or not hmac.compare_digest(token.secret_sha256, wanted):
        return "the token is not valid"
    if token.revoked_at is not None:
        return "the token was revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return f"the token expired at {token.expires_at.isoformat()}: ask for a new one"
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        session.commit()
    return Principal(token_id=token.id, name=token.name, role=token.role,
                     department=token.department, partner=token.partner,
                     projects=tuple(token.projects or ()), expires_at=token.expires_at)


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first (revoked ones too: they say who could call until when)."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(),
                                                          ApiToken.id.desc())))


def find_token(session: Session, id_or_prefix: str) -> ApiToken:
    """The token with this id, or the one token whose id starts with it (ids are shown in
    full by `hub token list`; typing their first characters is enough)."""
    wanted = id_or_prefix.strip().upper()
    token = session.get(ApiToken, wanted) if wanted else None
    if token is not None:
        return token
    if len(wanted) < 4:
        raise TokenError(f"{id_or_prefix!r} is too short to name a token: give at least 4 "
                         "characters of its id (see `hub token list`)")
    found = list(session.scalars(select(ApiToken).where(ApiToken.id.startswith(
        wanted, autoescape=True)).order_by(ApiToken.id).limit(5)))
    if not found:
        raise TokenError(f"no token {id_or_prefix!r} (see `hub token list`)")
    if len(found) > 1:
        raise TokenError(f"{id_or_prefix!r} starts several token ids "
                         f"({', '.join(t.id for t in found)}): give more characters")
    return found[0]


def revoke_token(session: Session, token_id: str, now: datetime) -> ApiToken:
    """Revoke a token by id or unique id prefix; the caller commits. Revoking twice keeps the
    first time."""
    token = find_token(session, token_id)
    if token.revoked_at is None:
        token.revoked_at = now
    return token


def state(token: ApiToken, now: datetime) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"
