"""/api/v1/budget-lines (read only: finance's exports are their authority; not for partners)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from hub.api import schemas
from hub.api.deps import ClockDep, PrincipalDep, ReadSessionDep, RecordRef, forbid
from hub.api.resources import READ_RESPONSES, listing, reading
from hub.auth.policy import entity_view
from hub.model.enums import Entity
from hub.query.params import BudgetLineItem, BudgetLineParams

router = APIRouter(tags=["budgets"])
_NO_BUDGETS = "budgets are internal: a partner token can't read them"


@router.get("/budget-lines", response_model=schemas.page_model(Entity.budget_line),
            responses=READ_RESPONSES, summary="List budget lines")
def list_budget_lines(request: Request, params: Annotated[BudgetLineParams, Query()],
                      principal: PrincipalDep, session: ReadSessionDep,
                      clock: ClockDep) -> JSONResponse:
    """Budget lines of the projects the token may see."""
    forbid(entity_view(principal, Entity.budget_line) is not None, _NO_BUDGETS)
    return listing(request, session, principal, Entity.budget_line, params, clock)


@router.get("/budget-lines/{line_id}", response_model=schemas.view_model(Entity.budget_line),
            responses=READ_RESPONSES, summary="Get a budget line")
def get_budget_line(request: Request, line_id: RecordRef,
                    params: Annotated[BudgetLineItem, Query()],
                    principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One budget line."""
    forbid(entity_view(principal, Entity.budget_line) is not None, _NO_BUDGETS)
    return reading(request, session, principal, Entity.budget_line, line_id, params)
