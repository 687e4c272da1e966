"""/api/v1/projects: list, get (by id or key), overview, and PATCH with If-Match."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.api import schemas
from hub.api.answer import JSONAnswer
from hub.api.deps import ClockDep, PrincipalDep, ReadSessionDep, RecordRef, SessionDep
from hub.api.editing import patch_record
from hub.api.patches import IfMatch, Patch, patch_model
from hub.api.resources import (
    READ_RESPONSES,
    as_problems,
    editable_responses,
    listing,
    reading,
)
from hub.api.writes import PATCH_BODY, WRITE_RESPONSES, after_write
from hub.model.enums import Entity
from hub.query.overview import project_overview
from hub.query.params import ProjectItem, ProjectParams

router = APIRouter(tags=["projects"])
if TYPE_CHECKING:
    ProjectPatch = Patch
else:
    ProjectPatch = patch_model(Entity.project)


@router.get("/projects", response_model=schemas.page_model(Entity.project),
            responses=READ_RESPONSES, summary="List projects")
def list_projects(request: Request, params: Annotated[ProjectParams, Query()],
                  principal: PrincipalDep, session: ReadSessionDep,
                  clock: ClockDep) -> JSONResponse:
    """Projects the token may see, filtered, sorted and paged (keyset: pass `next_cursor`)."""
    return listing(request, session, principal, Entity.project, params, clock)


@router.get("/projects/{project_id}", response_model=schemas.view_model(Entity.project),
            responses=editable_responses("project_id", "patch_project"),
            summary="Get a project by id or key")
def get_project(request: Request, project_id: RecordRef,
                params: Annotated[ProjectItem, Query()],
                principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One project; the ETag is its version, for If-Match on PATCH."""
    return reading(request, session, principal, Entity.project, project_id, params)


@router.get("/projects/{project_id}/overview", response_model=schemas.Overview,
            responses=READ_RESPONSES, summary="A project at a glance")
def overview(project_id: RecordRef, principal: PrincipalDep, session: SessionDep,
             clock: ClockDep) -> JSONResponse:
    """Tasks by status, overdue count, progress against plan, budget approved vs actual, open
    conflicts and the latest changes."""
    with as_problems():
        return JSONAnswer(project_overview(session, principal, project_id, clock().date()))


@router.patch("/projects/{project_id}", response_model=schemas.view_model(Entity.project),
              responses=WRITE_RESPONSES, summary="Change a project",
              operation_id="patch_project")
async def patch_project(request: Request, project_id: RecordRef, principal: PrincipalDep,
                        session: SessionDep, clock: ClockDep,
                        body: Annotated[ProjectPatch, Body(openapi_examples=PATCH_BODY)],
                        if_match: IfMatch) -> JSONResponse:
    """Change fields of a project; every tool holding it gets the change. Send the ETag of
    your GET as If-Match: a stale one is refused with 412."""
    answer = await run_in_threadpool(
        patch_record, request, session, request.app.state.runtime, principal, Entity.project,
        project_id, if_match, body, clock())
    await after_write(request)
    return answer
