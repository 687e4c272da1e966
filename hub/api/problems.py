"""RFC 9457 problem details: every error answer says what went wrong in words a person can use.

`ProblemError` is raised anywhere below a route; `install` makes FastAPI's own errors (unknown
route, validation, unhandled exceptions) answer in the same form.
"""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from hub.query.params import PATTERN_MESSAGES

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """An error answer (RFC 9457)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class ProblemError(Exception):
    """An error answer raised from service code or a dependency."""

    def __init__(self, status: int, detail: str, title: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.title = title or HTTPStatus(status).phrase
        self.headers, self.extra = headers, extra


class ProblemAnswer(JSONResponse):
    """A problem rendered so that any text renders: a lone surrogate a caller sent (in a JSON
    key, say) comes back escaped (\\ud800), never as a failure to answer."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")) \
            .encode("utf-8", "backslashreplace")


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """An `application/problem+json` answer."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return ProblemAnswer(body, status_code=status, headers=headers)


def problem_response(description: str) -> dict[str, Any]:
    """The OpenAPI entry of a problem answer."""
    return {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": description}


#: documented on every API route: the problem answers any of them may give
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_response(text)
    for status, text in [(400, "invalid query parameters"), (401, "missing or invalid token"),
                         (403, "not allowed for this token"),
                         (404, "not found, or outside this token's scope"),
                         (413, "request body too large")]
}


def install(app: FastAPI) -> None:
    """Answer every error, FastAPI's own included, as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem(exc.status, exc.title, exc.detail, exc.headers, **exc.extra)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"there is nothing at {request.url.path} (see /docs)"
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            allowed = allowed_methods(request, (headers or {}).get("Allow", ""))
            detail = f"{request.method} is not allowed on {request.url.path} (allowed: " \
                     f"{', '.join(allowed)})"
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return problem(exc.status_code, HTTPStatus(exc.status_code).phrase, detail, headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("header", "if-match")
               for e in exc.errors()):
            return problem(428, "Precondition required", "send If-Match with the ETag from "
                           'your GET (e.g. If-Match: "3"), so a change made meanwhile is not '
                           "overwritten")
        errors = [_error(e) for e in exc.errors()]
        in_body = any(e["location"].startswith("body") for e in errors)
        status = 422 if in_body else 400
        return problem(status, "Invalid request body" if in_body else "Invalid request",
                       "; ".join(f"{e['location']}: {e['message']}" for e in errors),
                       errors=errors)

    async def on_disconnect(request: Request, exc: Exception) -> JSONResponse:
        # The caller hung up before its request was read (a tool's webhook sender stopping):
        # nothing was stored, nobody waits for the answer, and a tool sends again.
        log.info("%s %s: the client disconnected mid-request", request.method,
                 request.url.path)
        return problem(400, "Client disconnected", "the request ended before its body")

    async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Internal Server Error", "the hub failed to answer this request; "
                       "the error is in its log (look for the request id)")

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ClientDisconnect, on_disconnect)
    app.add_exception_handler(Exception, on_unhandled)


def allowed_methods(request: Request, given: str = "") -> list[str]:
    """Every method the API describes at this path (a 405's `Allow`: Starlette names only those
    of the first route that matched the path, so a GET route hid its PATCH); `given` (that
    first route's) where the description has no such path."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in _METHODS}
    return sorted(methods) or [m.strip() for m in given.split(",") if m.strip()]


_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}


def _error(error: Any) -> dict[str, str]:
    location = ".".join(str(part) for part in error.get("loc", ()))
    location = location.removesuffix(".[key]")  # a key of an object: named by its path
    message = str(error.get("msg", "is invalid"))
    kind, context = error.get("type"), error.get("ctx") or {}
    if kind == "extra_forbidden" and location.startswith("body."):
        message = "is not a field you can change (see this endpoint's body in /docs)"
    elif kind == "extra_forbidden":
        message = "is not a parameter of this endpoint (see /docs)"
    elif kind == "string_pattern_mismatch" and location == "header.if-match":
        message = 'must be the ETag a GET answered with, e.g. "3" (with the quotes)'
    elif kind == "string_pattern_mismatch" and context.get("pattern") in PATTERN_MESSAGES:
        message = PATTERN_MESSAGES[context["pattern"]](str(error.get("input", "")))
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "string_unicode":
        message = "contains a lone surrogate (such as \\ud800), which is not text"
    return {"location": location, "message": message}
