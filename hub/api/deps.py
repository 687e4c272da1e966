"""Dependencies every API route shares, as `Annotated` aliases: the database session, the
caller (from the bearer token), the clock, and the strict check of query parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hub.api.problems import ProblemError
from hub.auth import tokens
from hub.auth.cache import TokenCache
from hub.auth.principal import Principal
from hub.sync.runtime import Runtime

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hub"'}


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request, closed after the answer. Opening one does no I/O, so it
    costs no thread hop; closing it (returning its connection) runs in the thread pool."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    session = sessions()
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


SessionDep = Annotated[Session, Depends(get_session)]


async def get_clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (tests set a fixed one). Async: no thread hop for what never blocks."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


#: documents the scheme in OpenAPI; the checks and their messages are `authenticate`'s own
bearer = HTTPBearer(auto_error=False, description="an API token from `hub token create`")


async def authenticate(request: Request, clock: ClockDep,
                       _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                       ) -> Principal:
    """The caller of this request; 401 without a valid `Authorization: Bearer` token.
    A token checked in the last seconds is taken from the cache (no database round trip)."""
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
    if found is None:
        found = await run_in_threadpool(_check, request.app.state.sessions, secret, clock())
        if isinstance(found, Principal):
            cache.put(secret, found)
    if isinstance(found, str):
        raise ProblemError(401, found, title="Invalid token",
                           headers={"WWW-Authenticate": 'Bearer realm="hub", '
                                                        'error="invalid_token"'})
    request.state.principal = found  # for the access log
    return found


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
