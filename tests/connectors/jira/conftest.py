"""Fixtures for the Jira sandbox tests: a sandbox with two projects and a person, served over
real HTTP, a client signed in as the hub's account, and a webhook receiver."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer, serve
from tests.connectors.conftest import FakeClock

EMAIL, TOKEN = "hub@example.com", "jira-token"


@pytest.fixture
def sandbox(clock: FakeClock) -> JiraSandbox:
    sandbox = JiraSandbox(email=EMAIL, token=TOKEN, seed=7, clock=clock)
    sandbox.add_user("ann.lee@example.com", "Ann Lee")
    sandbox.add_project("RD", "Research & Development")
    sandbox.add_project("LAUNCH", "Product Launch")
    sandbox.webhooks.retry_delay = 0.05  # retries in tests, not in minutes
    return sandbox


class Plug:
    """An ASGI app forwarding to the sandbox the current test plugged in: one server per test
    module instead of one per test (uvicorn takes a few tenths of a second to start and stop).
    Tests of the sandbox app's own lifespan serve `sandbox.app` directly."""

    def __init__(self) -> None:
        self.target: ASGIApp | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self.loop = asyncio.get_running_loop()
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.target is not None, "no sandbox plugged in"
        await self.target(scope, receive, send)


@pytest.fixture(scope="module")
def plugged() -> Iterator[tuple[Plug, RunningServer]]:
    plug = Plug()
    with serve(plug) as running:
        yield plug, running


@pytest.fixture
def sandbox_server(sandbox: JiraSandbox,
                   plugged: tuple[Plug, RunningServer]) -> Iterator[RunningServer]:
    """The sandbox over real HTTP, its webhook sender running in the server's loop."""
    plug, running = plugged
    assert plug.loop is not None
    plug.target = sandbox.app
    sender = asyncio.run_coroutine_threadsafe(sandbox.webhooks.run(), plug.loop)
    try:
        yield running
    finally:
        plug.target = None
        sender.cancel()


#: built once: loading the CA bundle for every client costs ~50 ms
TLS = ssl.create_default_context()


def http_client(url: str, auth: tuple[str, str] | None = (EMAIL, TOKEN),
                timeout: float = 10.0) -> httpx.Client:
    """A client of the sandbox at `url` (signed in as the hub's account unless told)."""
    return httpx.Client(base_url=url, auth=auth, timeout=timeout, verify=TLS)


@pytest.fixture
def jira_http(sandbox_server: RunningServer) -> Iterator[httpx.Client]:
    with http_client(sandbox_server.url) as client:
        yield client
