"""The FastAPI app every tool sandbox starts from: its lifespan runs the sandbox's webhook
sender in the server's loop, the shared fault knobs are mounted, a client hanging up is no
error, and there are no docs pages (the tool's own API has none)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from hub.testing.faults import Faults, fault_routes
from hub.testing.server import ignore_disconnects
from hub.testing.webhook_sender import WebhookSender


def sandbox_app(title: str, webhooks: WebhookSender[Any, Any, Any], faults: Faults) -> FastAPI:
    """An app for one sandbox; the caller adds the tool's routes and error shape."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sender = asyncio.create_task(webhooks.run())
        try:
            yield
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    app = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.include_router(fault_routes(faults))
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    ignore_disconnects(app)
    return app
