"""Dependencies every API route shares, as `Annotated` aliases: the database session, the
caller (from the bearer token), the clock, and the strict check of query parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hub.api.problems import ProblemError
from hub.auth import tokens
from hub.auth.cache import TokenCache
from hub.auth.claims import NoRole
from hub.auth.oidc import OidcRefused, OidcUnavailable, OidcVerifier, looks_like_jwt
from hub.auth.principal import Principal
from hub.model.text import NO_NUL
from hub.store.db import make_sessionmaker
from hub.sync.runtime import Runtime

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hub"'}


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request, closed after the answer. Opening one does no I/O, so it
    costs no thread hop; closing it (returning its connection) runs in the thread pool, unless
    the route already gave the connection back (see `release`)."""
    async with _closing(request.app.state.sessions()) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that only reads (see `read_sessionmaker`)."""
    async with _closing(request.app.state.read_sessions()) as session:
        yield session


@asynccontextmanager
async def _closing(session: Session) -> AsyncIterator[Session]:
    # A context manager, not a nested generator: an error thrown in at `yield` closes the
    # session right away, not whenever the abandoned generator is collected.
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()  # holds no connection: no I/O, so no thread hop


def release(session: Session) -> None:
    """Give the session's connection back to the pool now, from the route's worker thread:
    closing it after the answer would cost the request one more hop into the thread pool."""
    session.close()


def read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for answers that only read. On PostgreSQL each statement commits on its own
    (autocommit): no BEGIN and ROLLBACK round trips around a list or get, which is one
    statement and so sees one snapshot anyway. Not on SQLite: its reads cost no round trip,
    and switching the mode of a shared in-memory connection would commit another thread's
    open transaction. Never write through these sessions."""
    if engine.dialect.name != "postgresql":
        return make_sessionmaker(engine)
    return make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


SessionDep = Annotated[Session, Depends(get_session)]
#: for routes that only read (lists and gets of records)
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


async def get_clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (tests set a fixed one). Async: no thread hop for what never blocks."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


#: documents the scheme in OpenAPI; the checks and their messages are `authenticate`'s own
bearer = HTTPBearer(auto_error=False, description="an API token from `hub token create`, or an "
                                                   "access token (JWT) of a provider in `sso:`")


async def authenticate(request: Request, clock: ClockDep,
                       _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                       ) -> Principal:
    """The caller of this request; 401 without a valid `Authorization: Bearer` token: a hub
    token, or, when `sso:` names providers, a JWT one of them signed (403 if it maps to no
    role). A token checked in the last seconds is taken from the cache (no round trip)."""
    header = request.headers.get("authorization", "")
    scheme, _sep, secret = header.partition(" ")
    secret = secret.strip()
    if not header:
        raise ProblemError(401, "send an API token as `Authorization: Bearer <token>` (an "
                                "admin creates one with `hub token create`)",
                           title="Authentication required", headers=CHALLENGE)
    if scheme.lower() != "bearer" or not secret:
        raise ProblemError(401, "the Authorization header must be `Bearer <token>`",
                           title="Authentication required", headers=CHALLENGE)
    cache: TokenCache = request.app.state.token_cache
    found: Principal | str | None = cache.get(secret, clock())
    oidc: OidcVerifier | None = request.app.state.oidc
    if found is None and oidc is not None and looks_like_jwt(secret):
        found = await run_in_threadpool(_check_jwt, oidc, secret, clock())
        if isinstance(found, Principal):
            cache.put(secret, found)
    elif found is None:
        found = await run_in_threadpool(_check, request.app.state.sessions, secret, clock())
        if isinstance(found, Principal):
            cache.put(secret, found)
    if isinstance(found, str):
        raise ProblemError(401, found, title="Invalid token",
                           headers={"WWW-Authenticate": 'Bearer realm="hub", '
                                                        'error="invalid_token"'})
    request.state.principal = found  # for the access log
    return found


def _check_jwt(oidc: OidcVerifier, token: str, now: datetime) -> Principal | str:
    """The principal of an SSO access token, or why it is refused (401); 403 and 503 raise."""
    try:
        return oidc.principal(token, now)
    except OidcRefused as exc:
        return str(exc)
    except NoRole as exc:
        raise ProblemError(403, str(exc), title="No role") from None
    except OidcUnavailable as exc:
        raise ProblemError(503, f"the identity provider could not be asked: {exc}",
                           title="Identity provider unavailable") from None


def _check(sessions: sessionmaker[Session], secret: str, now: datetime) -> Principal | str:
    with sessions() as session:
        return tokens.authenticate(session, secret, now)


PrincipalDep = Annotated[Principal, Depends(authenticate)]


async def strict_query(request: Request) -> None:
    """400 for query parameters a route doesn't take (a typo must not go unnoticed).

    Routes with a parameter model check it themselves (`extra="forbid"`)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params:
        return
    names: set[str] = set()
    if _collect(dependant, names):
        return
    if unknown := sorted(set(request.query_params) - names):
        raise ProblemError(400, f"unknown query parameter(s): {', '.join(unknown)} (see /docs)",
                           title="Invalid request")


def _collect(dependant: Any, names: set[str]) -> bool:
    """Gather declared query names; True when a parameter model validates them."""
    for param in dependant.query_params:
        annotation = getattr(param.field_info, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        names.add(param.alias)
    return any(_collect(sub, names) for sub in dependant.dependencies)


#: a record in a path: its id (a project also by key), as text the hub can look up
RecordRef = Annotated[str, Path(max_length=64, pattern=NO_NUL,
                                description="the record's id (a project's also by its key)")]
#: a connector in a path: its id from the config
ConnectorRef = Annotated[str, Path(max_length=64, pattern=NO_NUL,
                                   description="the connector's id from the config")]


def get_runtime(request: Request) -> Runtime:
    """The sync engine's runtime; 503 when this server runs without connectors."""
    rt: Runtime | None = request.app.state.runtime
    if rt is None:
        raise ProblemError(503, "this server runs without the sync engine (no connectors "
                                "loaded)", title="Sync engine not running")
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def forbid(allowed: bool, detail: str) -> None:
    """403 with `detail` unless `allowed`."""
    if not allowed:
        raise ProblemError(403, detail, title="Forbidden")


def utcnow() -> datetime:
    """The default clock."""
    return datetime.now(UTC)
