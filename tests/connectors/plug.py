"""One sandbox server per test module instead of one per test (uvicorn takes a few tenths of
a second to start and stop): the server runs a `Plug`, and each test plugs its own sandbox in
with `plug_in`, its webhook sender running in the server's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from hub.testing.server import RunningServer
from hub.testing.webhook_sender import WebhookSender


class Plug:
    """An ASGI app forwarding to the sandbox the current test plugged in. Tests of a sandbox
    app's own lifespan serve `sandbox.app` directly."""

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


@contextmanager
def plug_in(plugged: tuple[Plug, RunningServer], app: ASGIApp,
            webhooks: WebhookSender[Any, Any, Any]) -> Iterator[RunningServer]:
    """Serve `app` on the module's server until the block ends."""
    plug, running = plugged
    assert plug.loop is not None
    plug.target = app
    sender = asyncio.run_coroutine_threadsafe(webhooks.run(), plug.loop)
    try:
        yield running
    finally:
        plug.target = None
        sender.cancel()
