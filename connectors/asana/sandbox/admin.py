"""Test knobs over HTTP under `/_sandbox` (no auth): faults, seeding, sync tokens, webhook
delivery, call counts. The same knobs as `AsanaSandbox` has in Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.asana.sandbox.errors import bad_request
from hub.testing.outbox_routes import outbox_routes

if TYPE_CHECKING:
    from connectors.asana.sandbox import AsanaSandbox


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json() if await request.body() else {}
    except ValueError:
        raise bad_request("Could not parse request data, invalid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object")
    return body


def admin_routes(sandbox: AsanaSandbox) -> APIRouter:
    """The `/_sandbox` knobs."""
    router = APIRouter(prefix="/_sandbox")
    state = sandbox.state
    router.include_router(outbox_routes(state.webhooks, sandbox.calls))

    @router.post("/seed")
    async def seed(request: Request) -> Response:
        """Body: projects, tasks_per_project, users, seed (all optional)."""
        body = await _body(request)
        sandbox.seed(projects=int(body.get("projects", 3)),
                     tasks_per_project=int(body.get("tasks_per_project", 20)),
                     users=int(body.get("users", 10)),
                     seed=int(body["seed"]) if "seed" in body else None)
        return JSONResponse({"projects": len(state.projects), "tasks": len(state.tasks),
                             "users": len(state.users)})

    @router.post("/events/expire")
    async def expire() -> Response:
        sandbox.expire_sync_tokens()
        return Response(status_code=204)

    return router
