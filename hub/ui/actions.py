"""What the dashboard changes: resolve a conflict, retry failed pushes, move a task (the
Kanban board). Each goes through the same service code as the API's route for it, so the
same checks apply and the change goes to every tool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hub.api.deps import ClockDep, SessionDep
from hub.api.editing import patch_record, resolve
from hub.api.patches import patch_model
from hub.api.problems import ProblemError
from hub.api.writes import after_write
from hub.model.enums import Entity
from hub.model.text import NO_NUL
from hub.query import health
from hub.ui.web import PREFIX, CsrfDep, back_with, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)
TaskPatch = patch_model(Entity.task)
Small = Annotated[str, Form(max_length=64, pattern=NO_NUL)]
#: a record or connector in a path
Ref = Annotated[str, Path(max_length=64, pattern=NO_NUL)]




@router.post("/conflicts/{conflict_id}/resolve")
async def resolve_conflict(request: Request, conflict_id: Ref, who: CsrfDep,
                           session: SessionDep, side: Small = "") -> Response:
    """Keep one side's value; it becomes canonical and goes to every tool."""
    rt = request.app.state.runtime
    if rt is None:
        return back_with(request, f"{PREFIX}/conflicts", "This server runs without the sync "
                         "engine: resolve the conflict where the hub syncs.")
    try:
        await run_in_threadpool(resolve, session, rt, who.principal, conflict_id[:64], None,
                                side, False)
    except ProblemError as exc:
        return back_with(request, f"{PREFIX}/conflicts", exc.detail)
    await after_write(request)
    return back_with(request, f"{PREFIX}/conflicts",
                     f"Resolved: {side}'s value goes to every tool.")


@router.post("/health/{connector_id}/retry")
async def retry_failed(request: Request, connector_id: Ref, who: CsrfDep,
                       session: SessionDep, clock: ClockDep) -> Response:
    """Put the connector's failed pushes back in the queue (admin only, as in the API)."""
    if not who.principal.may_operate:
        return page(request, "refused.html", {"message": "Only an admin can retry pushes."},
                    who=who, status_code=403)
    if connector_id not in request.app.state.config.connectors:
        return page(request, "refused.html", {"message": f"No connector {connector_id!r}."},
                    who=who, status_code=404)

    def requeue(session: Session) -> int:
        count = health.retry_failed(session, connector_id, clock())
        session.commit()
        return count

    count = await run_in_threadpool(requeue, session)
    await after_write(request)
    return back_with(request, f"{PREFIX}/health",
                     f"{count} failed push(es) to {connector_id} queued again.")


@router.post("/tasks/{task_id}/move")
async def move_task(request: Request, task_id: Ref, who: CsrfDep, session: SessionDep,
                    clock: ClockDep, version: Small, status: Small = "", due_date: Small = "",
                    back: Annotated[str, Form(max_length=200, pattern=NO_NUL)] = "") -> Response:
    """Move a task to another status (a Kanban card) or due date (a Gantt bar): an edit
    like a PATCH with If-Match, so it goes to every tool that holds the task."""
    target = back if back.startswith(f"{PREFIX}/") and "//" not in back \
        else f"{PREFIX}/portfolio"
    changes = {k: v for k, v in (("status", status), ("due_date", due_date)) if v}
    try:
        body = TaskPatch.model_validate(changes)
        await run_in_threadpool(patch_record, request, session, request.app.state.runtime,
                                who.principal, Entity.task, task_id[:64], f'"{version}"',
                                body, clock())
    except ValidationError as exc:
        return back_with(request, target, "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)))
    except ProblemError as exc:
        return back_with(request, target, exc.detail)
    await after_write(request)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Trigger": "board-changed"})
    return back_with(request, target, "Moved: the change goes to every tool.")
