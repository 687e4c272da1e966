"""What every sandbox API call goes through: counting, injected faults, and BambooHR's auth
(the API key as the Basic-auth user name, any password); BambooHR-shaped error answers.

BambooHR answers most errors with an empty body and the reason in `X-BambooHR-Error-Message`;
the webhook routes answer `{"errors": [{"error": ...}]}`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.testing.faults import Fault, retry_after_header
from hub.testing.kit import BasicAuth, accounts_by_key, admit

if TYPE_CHECKING:
    from connectors.hr.sandbox import BambooHRSandbox

ERROR_HEADER = "X-BambooHR-Error-Message"


class BambooApiError(Exception):
    """An answer other than success, as BambooHR gives it."""

    def __init__(self, status: int, message: str = "", *, webhook: bool = False,
                 headers: Mapping[str, str] | None = None,
                 issues: list[str] | None = None) -> None:
        self.status, self.message, self.webhook = status, message, webhook
        self.issues = list(issues or [])
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {message}")

    def response(self) -> Response:
        headers = {**self.headers, **({ERROR_HEADER: self.message} if self.message else {})}
        if self.webhook and self.message:
            error: dict[str, Any] = {"error": self.message}
            if self.issues:
                error["issues"] = self.issues
            return JSONResponse({"errors": [error]}, self.status, headers=headers)
        return Response(status_code=self.status, headers=headers)


def sandbox_of(request: Request) -> BambooHRSandbox:
    """The sandbox serving this request."""
    sandbox: BambooHRSandbox = request.app.state.sandbox
    return sandbox


def raise_fault(fault: Fault | None) -> None:
    """Answer as BambooHR would when this call gets `fault`."""
    if fault is None:
        return
    if fault.status == 429 and fault.retry_after is not None:
        raise BambooApiError(429, "Rate limit exceeded; retry later.",
                             headers={"Retry-After": retry_after_header(fault.retry_after)})
    raise BambooApiError(fault.status, "The service is temporarily unavailable.")


async def gate(request: Request) -> str:
    """Count the call, apply latency and faults, then authenticate: Basic auth whose user name
    is an API key (BambooHR ignores the password). Returns the key."""
    sandbox = sandbox_of(request)
    raise_fault(await admit(request, sandbox.calls, sandbox.faults))
    known: str | None = BasicAuth(accounts_by_key({k: k for k in sandbox.state.api_keys}))(request)
    if known is None:
        raise BambooApiError(401, headers={"WWW-Authenticate": 'Basic realm="BambooHR API"'})
    if sandbox.faults.slow_seconds > 0:
        await asyncio.sleep(sandbox.faults.slow_seconds)
    return known


ApiKey = Annotated[str, Depends(gate)]


def date_param(request: Request, name: str, default: date | None = None) -> date:
    """A YYYY-MM-DD query parameter; 400 when missing (without a default) or malformed."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        if default is None:
            raise BambooApiError(400, f"The '{name}' parameter is required (YYYY-MM-DD).")
        return default
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise BambooApiError(400, f"Invalid '{name}' date: {raw} (YYYY-MM-DD).") from None


async def json_body(request: Request, *, webhook: bool = False) -> dict[str, Any]:
    """The request's JSON object; 400 for anything else."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise BambooApiError(400, "Invalid request body", webhook=webhook) from None
    if not isinstance(body, dict):
        raise BambooApiError(400, "Invalid request body", webhook=webhook)
    return body


def install_error_handlers(app: FastAPI) -> None:
    """Answer errors as BambooHR does."""

    async def bamboo_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BambooApiError)
        return exc.response()

    async def invalid(request: Request, exc: Exception) -> Response:
        return BambooApiError(400, "Invalid request").response()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return BambooApiError(exc.status_code, str(exc.detail)).response()

    app.add_exception_handler(BambooApiError, bamboo_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
