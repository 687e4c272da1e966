"""The shared tool client names the host it can't reach, and doesn't retry a failed DNS
look-up in the call (the job is tried again later; `hub check` answers at once)."""

from __future__ import annotations

import socket

import httpx
import pytest

from hub.errors import Retriable
from hub.sdk.http import ToolClient


class Unreachable(httpx.AsyncBaseTransport):
    """A network where look-ups or connections fail, counting the attempts."""

    def __init__(self, error: Exception) -> None:
        self.error, self.attempts = error, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        raise httpx.ConnectError(str(self.error), request=request) from self.error


@pytest.mark.anyio
async def test_an_unknown_host_is_named_and_not_retried_in_the_call() -> None:
    network = Unreachable(socket.gaierror(-2, "Name or service not known"))
    client = ToolClient("https://acme.atlassian.invalid", name="jira", transport=network)

    with pytest.raises(Retriable) as info:
        await client.request("GET", "/rest/api/3/myself")
    await client.aclose()

    assert str(info.value) == ("jira: cannot resolve host acme.atlassian.invalid (DNS): check "
                               "the connector's base_url and this machine's DNS")
    assert network.attempts == 1


@pytest.mark.anyio
async def test_a_refused_connection_names_host_and_port_after_its_retries() -> None:
    network = Unreachable(ConnectionRefusedError(111, "Connection refused"))
    client = ToolClient("http://127.0.0.1:9", name="asana", transport=network, max_retries=1)

    with pytest.raises(Retriable) as info:
        await client.request("GET", "/users/me")
    await client.aclose()

    assert str(info.value).startswith("asana: cannot connect to 127.0.0.1:9: ConnectError")
    assert network.attempts == 2
