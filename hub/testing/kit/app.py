"""`ToolSandbox`: what every tool's sandbox shares, so that a sandbox is mostly a description of
the tool's resources plus its peculiar behaviour.

A subclass says how callers sign in (`authentication`), how the tool words an error
(`error`, `fault_error`, `unauthorized`), how it signs webhooks (`sign_delivery`), and adds
its routes (`routes`). The base owns the rest: the lock and clock, ids in the tool's style, the
events log, webhooks (queued, signed, retried), fault knobs (latency, slow answers, 429s,
5xx), call counting, and the FastAPI app (`/_sandbox/faults`, `/_sandbox/webhooks`,
`/_sandbox/calls`); `hub sandbox <kind>` serves it through the `hub.sandboxes` entry point.

    class AcmeSandbox(ToolSandbox):
        title, default_port = "Acme", 8090
        def authentication(self): return TokenHeader({"acme-token": "hub"})
        def routes(self, api):
            @api.get("/tickets/{ticket_id}")
            async def ticket(ticket_id: str): return self.tickets.get(ticket_id) or ...
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.testing.faults import Fault, Faults, retry_after_header
from hub.testing.kit.store import Collection, EventLog, Ids, IdStyle
from hub.testing.kit.webhooks import Check, Hook, TargetRefused, Webhooks, check_target
from hub.testing.outbox_routes import outbox_routes
from hub.testing.sandbox_app import sandbox_app
from hub.testing.served import SandboxOptions


class ToolError(Exception):
    """An answer other than success, in the tool's words: a JSON body, or plain text (Trello
    answers many errors as text)."""

    def __init__(self, status: int, body: Any = None, *,
                 headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, dict(headers or {})
        super().__init__(f"{status}: {body}")

    def response(self) -> Response:
        """The answer as the tool sends it."""
        if isinstance(self.body, str):
            return PlainTextResponse(self.body, self.status, headers=self.headers)
        if self.body is None:
            return Response(status_code=self.status, headers=self.headers)
        return JSONResponse(self.body, self.status, headers=self.headers)


class SlowAnswers:
    """ASGI middleware: holds back API answers by `faults.slow_seconds` after the call was
    processed (a write lands though the client gave up), and adds `faults.rate_headers()` for
    tools that send them."""

    def __init__(self, app: ASGIApp, faults: Faults, prefix: str = "/",
                 rate_headers: bool = False) -> None:
        self.app, self.faults, self.prefix, self.rate_headers = app, faults, prefix, rate_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefix) \
                or str(scope["path"]).startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                if self.faults.slow_seconds > 0:
                    await asyncio.sleep(self.faults.slow_seconds)
                if self.rate_headers:
                    extra = [(k.lower().encode(), v.encode())
                             for k, v in self.faults.rate_headers().items()]
                    have = {k for k, _ in message.get("headers", [])}
                    message = {**message, "headers": [
                        *message.get("headers", []), *(h for h in extra if h[0] not in have)]}
            await send(message)

        await self.app(scope, receive, answer)


def query_values(params: Mapping[str, str], fields: Iterable[str], *,
                 lists: Iterable[str] = (), flags: Iterable[str] = (),
                 nullable: Iterable[str] = ()) -> dict[str, Any]:
    """Writes sent as query parameters (Trello's way), typed: comma lists, `true`/`false`
    flags, and empty or `null` as None."""
    given: dict[str, Any] = {k: v for k, v in params.items() if k in set(fields)}
    for name in set(lists) & set(given):
        given[name] = [v for v in given[name].split(",") if v]
    for name in set(flags) & set(given):
        given[name] = given[name] == "true"
    for name in set(nullable) & set(given):
        if given[name] in ("", "null"):
            given[name] = None
    return given


async def admit(request: Request, calls: Counter[str], faults: Faults,
                prefix: str = "") -> Fault | None:
    """What every API call of a sandbox goes through first: counted by route (`GET /x/{id}`,
    `prefix` taken off), held back by the latency knob; returns the fault it gets, if any."""
    route = request.scope.get("route")
    calls[f"{request.method} {str(getattr(route, 'path', request.url.path)).removeprefix(prefix)}"
          ] += 1
    if faults.latency_ms > 0:
        await asyncio.sleep(faults.latency_ms / 1000)
    return faults.check()


class ToolSandbox:
    """The shared part of a tool's sandbox (see the module docstring)."""

    title: ClassVar[str] = "Tool"
    #: the line `hub sandbox --help` shows (default: the class docstring's first paragraph)
    summary: ClassVar[str] = ""
    default_port: ClassVar[int] = 8090
    options: ClassVar[type[SandboxOptions]] = SandboxOptions
    #: where the tool's API lives: the gate, faults and slow answers apply below it
    api_prefix: ClassVar[str] = ""
    id_style: ClassVar[IdStyle] = "hex24"
    #: the first numeric id (tools' ids are large numbers: monday.com's items, Jira's issues)
    id_start: ClassVar[int] = 1
    #: whether successful answers carry `X-RateLimit-*` while a rate budget is set
    rate_headers: ClassVar[bool] = False
    #: how the tool says an id names nothing (a 404)
    not_found: ClassVar[str] = "not found"

    def __init__(self, *, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.ids = Ids(self.id_style, start=self.id_start, clock=clock)
        self.faults = Faults(seed=seed)
        self.calls: Counter[str] = Counter()
        self.events = EventLog(self.ids, clock)
        self.webhooks = Webhooks(self.sign_delivery, self.ids)
        self._seed = seed
        self.auth = self.authentication()
        self.app = self._build()

    # -- the tool's faces ---------------------------------------------------------------------
    def authentication(self) -> Callable[[Request], Any]:
        """Who is calling (see `hub.testing.kit.auth`), or None."""
        raise NotImplementedError

    def routes(self, api: APIRouter) -> None:
        """Add the tool's API routes to `api` (every call goes through the gate)."""
        raise NotImplementedError

    def admin(self, router: APIRouter) -> None:
        """Add knobs under `/_sandbox` beyond the shared ones. Optional."""

    def error(self, status: int, message: str) -> ToolError:
        """An error as the tool words it. Default: `{"message": ...}`."""
        return ToolError(status, {"message": message})

    def unauthorized(self) -> ToolError:
        """The tool's answer to missing or wrong credentials."""
        return self.error(401, "unauthorized")

    def fault_error(self, fault: Fault) -> ToolError:
        """The tool's answer to an injected fault. Default: 429 with `Retry-After`, else a
        5xx."""
        if fault.status == 429:
            error = self.error(429, "rate limit exceeded")
            if fault.retry_after is not None:
                error.headers["Retry-After"] = retry_after_header(fault.retry_after)
            return error
        return self.error(fault.status, "the service is temporarily unavailable")

    def sign_delivery(self, hook: Hook, body: bytes) -> dict[str, str]:
        """The signature headers of one delivery attempt. Default: none."""
        return {}

    def welcome(self) -> list[str]:
        """Lines `hub sandbox` prints: how to sign in, what is there."""
        return []

    @classmethod
    def from_options(cls, options: Any) -> ToolSandbox:
        """A sandbox as `hub sandbox` starts it. Default: built with the seed, nothing else."""
        return cls(seed=options.seed)

    # -- helpers for the tool's code ----------------------------------------------------------
    async def register_hook(self, url: str, model: str, *, owner: str = "", check: Check = "none",
                            **fields: Any) -> Hook:
        """A new webhook once `url` passed the tool's check; `ToolError(400)` for a duplicate
        (same URL, model and owner) or a URL that fails the check, in the tool's words."""
        if any(h.url == url and h.model == model and h.owner == owner
               for h in self.webhooks.hooks()):
            raise self.error(400, "A webhook with that callback, model, and token already exists")
        try:
            await check_target(url, check)
        except TargetRefused as exc:
            raise self.error(400, f"URL ({url}) did not pass the check: {exc}") from None
        return self.webhooks.add(url, model, owner=owner, **fields)

    def one(self, collection: Collection, **match: Any) -> dict[str, Any]:
        """The live record matching `match`, or the tool's 404."""
        found = collection.find(**match)
        if found is None:
            raise self.error(404, self.not_found)
        return found

    def collection(self, name: str, ids: Ids | None = None) -> Collection:
        """A new collection of records, with the sandbox's ids and clock."""
        return Collection(name, ids or self.ids, self.clock)

    async def drain_webhooks(self, timeout: float) -> None:  # noqa: ASYNC109 - public API
        """Wait until every queued delivery was sent or given up on."""
        await self.webhooks.drain(timeout)

    async def gate(self, request: Request) -> Any:
        """Every API call: counted, delayed, maybe faulted, then authenticated."""
        fault = await admit(request, self.calls, self.faults)
        if fault is not None:
            raise self.fault_error(fault)
        caller = self.auth(request)
        if caller is None:
            raise self.unauthorized()
        request.state.caller = caller
        return caller

    def _build(self) -> FastAPI:
        app = sandbox_app(f"{self.title} sandbox", self.webhooks, self.faults)
        app.state.sandbox = self

        async def tool_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, ToolError)
            return exc.response()

        async def invalid(request: Request, exc: Exception) -> Response:
            return self.error(400, "invalid request").response()

        async def http_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, StarletteHTTPException)
            return self.error(exc.status_code, str(exc.detail)).response()

        app.add_exception_handler(ToolError, tool_error)
        app.add_exception_handler(RequestValidationError, invalid)
        app.add_exception_handler(StarletteHTTPException, http_error)
        app.add_middleware(SlowAnswers, faults=self.faults, prefix=self.api_prefix or "/",
                           rate_headers=self.rate_headers)
        api = APIRouter(prefix=self.api_prefix, dependencies=[Depends(self.gate)])
        self.routes(api)
        app.include_router(api)
        knobs = APIRouter(prefix="/_sandbox")
        knobs.include_router(outbox_routes(self.webhooks, self.calls))
        self.admin(knobs)
        app.include_router(knobs)
        return app
