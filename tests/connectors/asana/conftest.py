"""Fixtures for the Asana sandbox tests: a sandbox with a project and a person, served over
real HTTP with its webhook sender running, a client holding the hub's token, and a webhook
receiver that can answer the `X-Hook-Secret` handshake (or not)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.asana.sandbox import AsanaSandbox
from hub.testing.server import RunningServer, serve
from tests.connectors.conftest import FakeClock

TOKEN = "asana-pat"


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
