"""Fixtures every connector's sandbox tests share: a settable clock and a webhook receiver
(which also answers Asana's X-Hook-Secret handshake)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI, Request, Response

from hub.testing.server import RunningServer, serve
from tests.connectors.plug import Plug


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


@pytest.fixture(scope="module")
def plugged() -> Iterator[tuple[Plug, RunningServer]]:
    """The module's sandbox server; tests plug their sandbox in with `plug_in`."""
    plug = Plug()
    with serve(plug) as running:
        yield plug, running
