"""What every sandbox API call goes through: counting, injected faults, Basic auth; and
Jira-shaped error answers for everything that fails."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectors.jira.sandbox.errors import NOT_AUTHENTICATED, JiraApiError
from connectors.jira.sandbox.faults import raise_fault
from connectors.jira.sandbox.model import User
from hub.testing.kit import BasicAuth, admit

if TYPE_CHECKING:
    from connectors.jira.sandbox import JiraSandbox

BAD_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."


def sandbox_of(request: Request) -> JiraSandbox:
    """The sandbox serving this request."""
    sandbox: JiraSandbox = request.app.state.sandbox
    return sandbox


async def gate(request: Request) -> User:
    """Count the call, apply latency and faults, then authenticate (e-mail + API token)."""
    sandbox = sandbox_of(request)
    raise_fault(await admit(request, sandbox.calls, sandbox.faults))
    user: User | None = BasicAuth(sandbox.state.authenticate)(request)
    if user is None:
        raise JiraApiError(401, [NOT_AUTHENTICATED], headers={
            "WWW-Authenticate": 'Basic realm="protected-area"',
            "X-Seraph-LoginReason": "AUTHENTICATED_FAILED"})
    sandbox.state.base_url = str(request.base_url).rstrip("/")
    return user


Caller = Annotated[User, Depends(gate)]


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; Jira's 400 for anything else."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise JiraApiError(400, [BAD_PAYLOAD]) from None
    if not isinstance(body, dict):
        raise JiraApiError(400, [BAD_PAYLOAD])
    return body


def int_param(request: Request, name: str, default: int) -> int:
    """An integer query parameter; 400 when it is not one."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(str(raw))
    except ValueError:
        raise JiraApiError(400, [f"'{raw}' is not a valid value for '{name}'."]) from None


def list_param(request: Request, name: str) -> list[str] | None:
    """A comma-separated (and possibly repeated) query parameter; None when absent."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def install_error_handlers(app: FastAPI) -> None:
    """Answer errors with Jira's ErrorCollection body."""

    async def jira_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, JiraApiError)
        return JSONResponse(exc.body, exc.status, headers=exc.headers)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"errorMessages": [BAD_PAYLOAD], "errors": {}}, 400)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse({"errorMessages": [f"{exc.detail} ({request.method} "
                                               f"{request.url.path})"], "errors": {}},
                            exc.status_code, headers=exc.headers)

    app.add_exception_handler(JiraApiError, jira_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
