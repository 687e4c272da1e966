"""What every sandbox API call goes through: counting, injected faults, the personal access
token (`Authorization: Bearer <PAT>`); Asana-shaped error answers; query and body helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectors.asana.sandbox.errors import NOT_AUTHORIZED, AsanaApiError, bad_request
from connectors.asana.sandbox.faults import raise_fault
from connectors.asana.sandbox.model import User
from hub.testing.kit import TokenHeader, admit

if TYPE_CHECKING:
    from connectors.asana.sandbox import AsanaSandbox

API = "/api/1.0"


def sandbox_of(request: Request) -> AsanaSandbox:
    """The sandbox serving this request."""
    sandbox: AsanaSandbox = request.app.state.sandbox
    return sandbox


async def gate(request: Request) -> User:
    """Count the call, apply latency and faults, then authenticate the bearer token."""
    sandbox = sandbox_of(request)
    raise_fault(await admit(request, sandbox.calls, sandbox.faults, API))
    user: User | None = TokenHeader(sandbox.state.tokens)(request)
    if user is None:
        raise AsanaApiError(401, NOT_AUTHORIZED)
    sandbox.state.base_url = str(request.base_url).rstrip("/")
    return user


Caller = Annotated[User, Depends(gate)]


async def json_data(request: Request) -> dict[str, Any]:
    """The `data` object of the request's JSON body; Asana's 400 for anything else."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise bad_request("Could not parse request data, invalid JSON") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise bad_request("data: Missing input")
    return data


def opt_fields(request: Request) -> list[str] | None:
    """`opt_fields` (comma-separated, possibly repeated); None when absent."""
    values = request.query_params.getlist("opt_fields")
    found = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return found or None


def limit_param(request: Request) -> int | None:
    """`limit`, 1 to 100; Asana's 400 otherwise."""
    raw = request.query_params.get("limit")
    if raw in (None, ""):
        return None
    try:
        limit = int(str(raw))
    except ValueError:
        raise bad_request("limit: Not a valid integer") from None
    if not 1 <= limit <= 100:
        raise bad_request("limit: Must be between 1 and 100")
    return limit


def time_param(request: Request, name: str) -> int | None:
    """An ISO 8601 date-time query parameter (or `now`) as epoch ms."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if raw == "now":
        return sandbox_of(request).state.now()
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name}: Not a valid ISO 8601 date-time: {raw}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def install_error_handlers(app: FastAPI) -> None:
    """Answer errors with Asana's `{"errors": [...]}` body."""

    async def asana_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AsanaApiError)
        return JSONResponse(exc.body, exc.status, headers=exc.headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(bad_request("Invalid request").body, 400)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = "No matching route for request" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse(AsanaApiError(exc.status_code, message).body, exc.status_code,
                            headers=exc.headers)

    app.add_exception_handler(AsanaApiError, asana_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
