"""Fixtures for the Jira sandbox tests: a sandbox with two projects and a person, served over
real HTTP, a client signed in as the hub's account, and a webhook receiver."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer
from tests.connectors.conftest import FakeClock
from tests.connectors.plug import Plug, plug_in

EMAIL, TOKEN = "hub@example.com", "jira-token"


@pytest.fixture
def sandbox(clock: FakeClock) -> JiraSandbox:
    sandbox = JiraSandbox(email=EMAIL, token=TOKEN, seed=7, clock=clock)
    sandbox.add_user("ann.lee@example.com", "Ann Lee")
    sandbox.add_project("RD", "Research & Development")
    sandbox.add_project("LAUNCH", "Product Launch")
    sandbox.webhooks.retry_delay = 0.05  # retries in tests, not in minutes
    return sandbox


@pytest.fixture
def sandbox_server(sandbox: JiraSandbox,
                   plugged: tuple[Plug, RunningServer]) -> Iterator[RunningServer]:
    """The sandbox over real HTTP, its webhook sender running in the server's loop."""
    with plug_in(plugged, sandbox.app, sandbox.webhooks) as running:
        yield running


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
