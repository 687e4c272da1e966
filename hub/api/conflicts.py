"""/api/v1/conflicts: list, show (both values, who, when), resolve by a value or a side."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.requests import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub.api.answer import JSONAnswer
from hub.api.deps import PrincipalDep, RecordRef, RuntimeDep, SessionDep, forbid
from hub.api.editing import resolve
from hub.api.patches import ByValue, Resolution
from hub.api.resources import READ_RESPONSES, as_problems
from hub.api.writes import WRITE_RESPONSES, after_write
from hub.auth.policy import may_read_conflicts
from hub.model.enums import Entity
from hub.query.conflicts import SORTS, find_conflict, list_conflicts, render
from hub.query.params import MAX_LIMIT, Strict, Whole, cursor_param, sort_keys_param, text
from hub.store.sync import ConflictState

router = APIRouter(tags=["conflicts"])
_NO_CONFLICTS = "conflicts are internal: a partner token can't read them"


class Candidate(BaseModel):
    source: str | None = Field(None, description="connector id or api:<token name>")
    value: Any = None
    at: str | None = Field(None, description="when that source set it")


class ConflictOut(BaseModel):
    """Two sources changed one field concurrently."""

    id: str
    entity: str
    record_id: str
    field: str
    state: str
    policy: str
    base: Any = Field(None, description="the value both sides changed from")
    candidates: list[Candidate]
    resolved_value: Any = None
    resolved_by: str | None = None
    resolved_at: str | None = None
    created_at: str


class ConflictPage(BaseModel):
    items: list[ConflictOut]
    next_cursor: str | None = None


class ConflictParams(Strict):
    state: ConflictState | None = None
    entity: Entity | None = None
    record: str | None = text(64, "record id")
    limit: Whole = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = cursor_param()
    sort: str | None = sort_keys_param(SORTS, "created_at or id, - for descending (default "
                                              "-created_at)")


@router.get("/conflicts", response_model=ConflictPage, responses=READ_RESPONSES,
            summary="List conflicts")
def conflicts(params: Annotated[ConflictParams, Query()], principal: PrincipalDep,
              session: SessionDep) -> JSONResponse:
    """Conflicts on records the token may see (`state=open` for those waiting for a person)."""
    forbid(may_read_conflicts(principal), _NO_CONFLICTS)
    with as_problems():
        page = list_conflicts(session, principal, state=params.state, entity=params.entity,
                              record=params.record, limit=params.limit, cursor=params.cursor,
                              sort=params.sort)
    return JSONAnswer(page.as_json())


@router.get("/conflicts/{conflict_id}", response_model=ConflictOut, responses=READ_RESPONSES,
            summary="Show a conflict")
def conflict(conflict_id: RecordRef, principal: PrincipalDep, session: SessionDep) -> JSONResponse:
    """Both values, which source set each, and when."""
    forbid(may_read_conflicts(principal), _NO_CONFLICTS)
    with as_problems():
        return JSONAnswer(render(session, principal,
                                 [find_conflict(session, principal, conflict_id)])[0])


@router.post("/conflicts/{conflict_id}/resolve", response_model=ConflictOut,
             responses=WRITE_RESPONSES, summary="Resolve a conflict")
async def resolve_route(request: Request, conflict_id: RecordRef,
                        body: Annotated[Resolution, Body()],
                        principal: PrincipalDep, session: SessionDep,
                        rt: RuntimeDep) -> JSONResponse:
    """Keep `value`, or the value of `side`; it becomes canonical and is pushed to every
    tool."""
    forbid(may_read_conflicts(principal), _NO_CONFLICTS)
    value, side = (body.value, None) if isinstance(body, ByValue) else (None, body.side)
    answer = await run_in_threadpool(resolve, session, rt, principal, conflict_id, value, side,
                                     isinstance(body, ByValue))
    await after_write(request)
    return JSONAnswer(answer)
