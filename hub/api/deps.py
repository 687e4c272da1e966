"""Dependencies every API route shares, as `Annotated` aliases: the database session, the
caller (from the bearer token), the clock, and the strict check of query parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from hub.api.problems import ProblemError
from hub.auth import tokens
from hub.auth.principal import Principal
from hub.sync.runtime import Runtime

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hub"'}


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request, closed after the answer."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (tests set a fixed one). Async: no thread hop for what never blocks."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


#: documents the scheme in OpenAPI; the checks and their messages are `authenticate`'s own
bearer = HTTPBearer(auto_error=False, description="an API token from `hub token create`")


def authenticate(request: Request, session: SessionDep, clock: ClockDep,
                 _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The caller of this request; 401 without a valid `Authorization: Bearer` token."""
    header = request.headers.get("authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if not header:
        raise ProblemError(401, "send an API token as `Authorization: Bearer <token>` (an "
                                "admin creates one with `hub token create`)",
                           title="Authentication required", headers=CHALLENGE)
    if scheme.lower() != "bearer" or not secret.strip():
        raise ProblemError(401, "the Authorization header must be `Bearer <token>`",
                           title="Authentication required", headers=CHALLENGE)
    found = tokens.authenticate(session, secret.strip(), clock())
    session.commit()  # end the read: a write in this request starts its own transaction
    if isinstance(found, str):
        raise ProblemError(401, found, title="Invalid token",
                           headers={"WWW-Authenticate": 'Bearer realm="hub", '
                                                        'error="invalid_token"'})
    request.state.principal = found  # for the access log
    return found


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
