"""/api/v1/accounts and /api/v1/opportunities (read only: the CRM is their authority).

A department sees its own sales team's records; a partner only the deals behind a project shared
with it (and their accounts), without the commercial terms (`hub.auth.policy`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from hub.api import schemas
from hub.api.deps import ClockDep, PrincipalDep, ReadSessionDep, RecordRef
from hub.api.resources import READ_RESPONSES, listing, reading
from hub.model.enums import Entity
from hub.query.params import AccountItem, AccountParams, OpportunityItem, OpportunityParams

router = APIRouter(tags=["crm"])


@router.get("/accounts", response_model=schemas.page_model(Entity.account),
            responses=READ_RESPONSES, summary="List accounts")
def list_accounts(request: Request, params: Annotated[AccountParams, Query()],
                  principal: PrincipalDep, session: ReadSessionDep,
                  clock: ClockDep) -> JSONResponse:
    """Customer accounts the token may see, filtered, sorted and paged."""
    return listing(request, session, principal, Entity.account, params, clock)


@router.get("/accounts/{account_id}", response_model=schemas.view_model(Entity.account),
            responses=READ_RESPONSES, summary="Get an account by id or key")
def get_account(request: Request, account_id: RecordRef,
                params: Annotated[AccountItem, Query()],
                principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One account."""
    return reading(request, session, principal, Entity.account, account_id, params)


@router.get("/opportunities", response_model=schemas.page_model(Entity.opportunity),
            responses=READ_RESPONSES, summary="List opportunities")
def list_opportunities(request: Request, params: Annotated[OpportunityParams, Query()],
                       principal: PrincipalDep, session: ReadSessionDep,
                       clock: ClockDep) -> JSONResponse:
    """Deals the token may see, e.g. `status=won` or `close_after=2026-01-01`; a won deal's
    `project_id` is the delivery project it became."""
    return listing(request, session, principal, Entity.opportunity, params, clock)


@router.get("/opportunities/{opportunity_id}",
            response_model=schemas.view_model(Entity.opportunity),
            responses=READ_RESPONSES, summary="Get an opportunity")
def get_opportunity(request: Request, opportunity_id: RecordRef,
                    params: Annotated[OpportunityItem, Query()],
                    principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One opportunity."""
    return reading(request, session, principal, Entity.opportunity, opportunity_id, params)
