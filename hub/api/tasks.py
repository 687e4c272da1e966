"""/api/v1/tasks: list, get, and PATCH with If-Match."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.api import schemas
from hub.api.deps import ClockDep, PrincipalDep, ReadSessionDep, RecordRef, SessionDep
from hub.api.editing import patch_record
from hub.api.patches import IfMatch, Patch, patch_model
from hub.api.resources import READ_RESPONSES, editable_responses, listing, reading
from hub.api.writes import PATCH_BODY, WRITE_RESPONSES, after_write
from hub.model.enums import Entity
from hub.query.params import TaskItem, TaskParams

router = APIRouter(tags=["tasks"])
if TYPE_CHECKING:
    TaskPatch = Patch
else:
    TaskPatch = patch_model(Entity.task)


@router.get("/tasks", response_model=schemas.page_model(Entity.task),
            responses=READ_RESPONSES, summary="List tasks")
def list_tasks(request: Request, params: Annotated[TaskParams, Query()],
               principal: PrincipalDep, session: ReadSessionDep, clock: ClockDep) -> JSONResponse:
    """Tasks the token may see, filtered, sorted and paged (keyset: pass `next_cursor`)."""
    return listing(request, session, principal, Entity.task, params, clock)


@router.get("/tasks/{task_id}", response_model=schemas.view_model(Entity.task),
            responses=editable_responses("task_id", "patch_task"), summary="Get a task")
def get_task(request: Request, task_id: RecordRef, params: Annotated[TaskItem, Query()],
             principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One task; the ETag is its version, for If-Match on PATCH."""
    return reading(request, session, principal, Entity.task, task_id, params)


@router.patch("/tasks/{task_id}", response_model=schemas.view_model(Entity.task),
              responses=WRITE_RESPONSES, summary="Change a task", operation_id="patch_task")
async def patch_task(request: Request, task_id: RecordRef, principal: PrincipalDep,
                     session: SessionDep, clock: ClockDep,
                     body: Annotated[TaskPatch, Body(openapi_examples=PATCH_BODY)],
                     if_match: IfMatch) -> JSONResponse:
    """Change fields of a task (people by e-mail or id, the project by key or id); every tool
    holding it gets the change. Send the ETag of your GET as If-Match."""
    answer = await run_in_threadpool(
        patch_record, request, session, request.app.state.runtime, principal, Entity.task,
        task_id, if_match, body, clock())
    await after_write(request)
    return answer
