"""The `/_sandbox` routes every sandbox has for its webhook outbox and its call counter: look
at the queue, hold deliveries back and let them go, and count the API calls a client made.
A test knob, not the tool's API: no auth."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from hub.testing.webhook_sender import WebhookSender


def outbox_routes(webhooks: WebhookSender[Any, Any, Any], calls: Counter[str], *,
                  hooks: Callable[[], list[Any]] | None = None) -> APIRouter:
    """`GET /webhooks` (with `hooks()` when given), `POST /webhooks/pause|resume`,
    `GET|DELETE /calls`; include it in a router with the `/_sandbox` prefix."""
    router = APIRouter()

    @router.get("/webhooks")
    async def outbox() -> Response:
        state: dict[str, Any] = {"paused": webhooks.paused}
        if hooks is not None:
            state["hooks"] = hooks()
        state.update(queue=[d.describe() for d in webhooks.pending()],
                     sent=len(webhooks.sent), failed=[d.describe() for d in webhooks.failed])
        return JSONResponse(state)

    @router.post("/webhooks/pause")
    async def pause() -> Response:
        webhooks.pause()
        return JSONResponse({"paused": True})

    @router.post("/webhooks/resume")
    async def resume() -> Response:
        webhooks.resume()
        return JSONResponse({"paused": False})

    @router.get("/calls")
    async def count() -> Response:
        return JSONResponse(dict(calls))

    @router.delete("/calls")
    async def reset() -> Response:
        calls.clear()
        return Response(status_code=204)

    return router
