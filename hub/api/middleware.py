"""Around every request: a request id (X-Request-ID in and out, on every log line), a body size
limit for the API, metrics, a JSON-friendly access log line, and a problem answer for errors
nothing else caught."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.metrics import Metrics
from hub.api.problems import problem
from hub.ids import new_id
from hub.logs import REQUEST_ID

log = logging.getLogger("hub.access")
API_MAX_BODY = 1024 * 1024
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_WITH_BODY = {"POST", "PUT", "PATCH"}


class RequestContext:
    """Pure ASGI middleware (streams pass through untouched; webhooks read their own body)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int = API_MAX_BODY) -> None:
        self.app, self.metrics, self.max_body = app, metrics, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else new_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        started, status = time.perf_counter(), [500]
        answered = [False]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0], answered[0] = message["status"], True
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            if scope["path"].startswith("/api/") and scope["method"] in _WITH_BODY:
                receive = await self._limited(scope, receive)
                if receive is _TOO_LARGE:
                    await problem(413, "Payload too large", f"API request bodies are limited "
                                  f"to {self.max_body} bytes")(scope, receive, send_with_id)
                    return
            await self.app(scope, receive, send_with_id)
        except Exception:
            if answered[0]:
                raise  # the answer is half sent: only closing the connection ends it
            # Answered here, not raised further: the server would log it again and close the
            # connection (a keep-alive client would lose it for one failed request).
            log.exception("unhandled error")
            await problem(500, "Internal Server Error", "the hub failed to answer this "
                          f"request; its log has the error under request id {request_id}"
                          )(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], _route(scope), status[0], elapsed)
            principal = state.get("principal")
            log.info("%s %s %s %.1fms", scope["method"], scope["path"], status[0],
                     elapsed * 1000, extra={
                         "method": scope["method"], "path": scope["path"],
                         "status": status[0], "duration_ms": round(elapsed * 1000, 2),
                         "token": getattr(principal, "name", None)})
            REQUEST_ID.reset(token)

    async def _limited(self, scope: Scope, receive: Receive) -> Receive:
        """The body read up front (it is small), or `_TOO_LARGE`."""
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body:
            return _TOO_LARGE
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return _TOO_LARGE
        sent = [False]

        async def replay() -> Message:
            if not sent[0]:
                sent[0] = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return replay


def _header(scope: Scope, name: bytes) -> bytes:
    """One request header's raw value (b"" if absent), without copying them all."""
    return next((value for key, value in scope["headers"] if key == name), b"")


def _route(scope: Scope) -> str:
    """The route template of a request (`/api/v1/tasks/{task_id}`): ids don't make labels."""
    if scope.get("route") is None:
        return "unmatched"
    segments = scope["path"].split("/")
    for name, value in scope.get("path_params", {}).items():
        for i in range(len(segments) - 1, -1, -1):
            if segments[i] == str(value):
                segments[i] = "{" + name + "}"
                break
    return "/".join(segments)


async def _TOO_LARGE() -> Message:  # a sentinel, compared by identity
    return {"type": "http.disconnect"}
