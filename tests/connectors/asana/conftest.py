"""Fixtures for the Asana sandbox tests: a sandbox with a project and a person, served over
real HTTP with its webhook sender running, a client holding the hub's token, and a webhook
receiver that can answer the `X-Hook-Secret` handshake (or not)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from connectors.asana.sandbox import AsanaSandbox
from hub.testing.server import RunningServer, serve

TOKEN = "asana-pat"


class FakeClock:
    """A settable clock for the sandbox (epoch seconds)."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def set(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(clock: FakeClock) -> AsanaSandbox:
    sandbox = AsanaSandbox(token=TOKEN, seed=7, clock=clock)
    sandbox.add_user("ann.lee@example.com", "Ann Lee")
    sandbox.add_project("Spring Campaign")
    sandbox.webhooks.retry_delay = 0.05  # retries in tests, not in minutes
    return sandbox


@pytest.fixture
def project(sandbox: AsanaSandbox) -> dict[str, Any]:
    """The first project's full record."""
    return sandbox.renderer().project(next(iter(sandbox.state.projects.values())))


@pytest.fixture
def sandbox_server(sandbox: AsanaSandbox) -> Iterator[RunningServer]:
    """The sandbox's own app; its lifespan runs the webhook sender."""
    with serve(sandbox.app) as running:
        yield running


def http_client(url: str, token: str | None = TOKEN) -> httpx.Client:
    """A client of the sandbox's API at `url` (with the hub's PAT unless told)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{url}/api/1.0", headers=headers, timeout=10.0)


@pytest.fixture
def asana_http(sandbox_server: RunningServer) -> Iterator[httpx.Client]:
    with http_client(sandbox_server.url) as client:
        yield client


@dataclass
class Receiver:
    """A webhook target: echoes the handshake secret (unless `echo` is off), records every
    delivery attempt, answers 500 to the first `fail_first` deliveries."""

    url: str = ""
    echo: bool = True
    fail_first: int = 0
    secret: str | None = None
    attempts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    accepted: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            offered = request.headers.get("x-hook-secret")
            if offered is not None:
                self.secret = offered
                echoed = {"X-Hook-Secret": offered} if self.echo else {}
                return Response(status_code=204 if self.echo else 200, headers=echoed)
            with self.lock:
                self.attempts.append((dict(request.headers), body))
                if len(self.attempts) <= self.fail_first:
                    return Response(status_code=500)
                self.accepted.append((dict(request.headers), body))
            return Response(status_code=200)

        return app


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """`receiver(echo=True, fail_first=0)` starts a webhook target for the rest of the test."""
    with ExitStack() as stack:

        def start(echo: bool = True, fail_first: int = 0) -> Receiver:
            made = Receiver(echo=echo, fail_first=fail_first)
            running = stack.enter_context(serve(made.app()))
            made.url = f"{running.url}/hook"
            return made

        yield start
