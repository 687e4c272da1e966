"""/api/v1/changes: the ordered feed of canonical changes, scoped to the token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from hub.api.answer import JSONAnswer
from hub.api.deps import PrincipalDep, SessionDep
from hub.api.resources import READ_RESPONSES, as_problems
from hub.api.schemas import ChangePage
from hub.model.enums import Entity
from hub.query.changes import SINCE_PATTERN, list_changes
from hub.query.params import Strict, Whole

router = APIRouter(tags=["changes"])


class ChangeParams(Strict):
    since: str | None = Field(None, pattern=SINCE_PATTERN, description=(
        "next_cursor of the previous call (a position in the feed); empty or absent: from "
        "the start"))
    limit: Whole = Field(100, ge=1, le=1000)
    entity: Entity | None = None


@router.get("/changes", response_model=ChangePage, responses=READ_RESPONSES,
            summary="The change feed")
def changes(params: Annotated[ChangeParams, Query()], principal: PrincipalDep,
            session: SessionDep) -> JSONResponse:
    """Every change (create, update, delete, revert, resolve) of the records the token may see,
    oldest first. Keep `next_cursor` and pass it as `since` to read on."""
    with as_problems():
        page = list_changes(session, principal, params.since, params.limit, params.entity)
    return JSONAnswer(page.as_json())
