"""/api/v1/people and /api/v1/absences (read only: HR is their authority).

Partners see people by display name only, and no absences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from hub.api import schemas
from hub.api.deps import ClockDep, PrincipalDep, SessionDep, forbid
from hub.api.resources import READ_RESPONSES, listing, reading
from hub.model.enums import Entity
from hub.query.params import AbsenceParams, ItemParams, PersonParams

router = APIRouter()
_NO_ABSENCES = "absences are HR data: a partner token can't read them"


@router.get("/people", response_model=schemas.page_model(Entity.person), tags=["people"],
            responses=READ_RESPONSES, summary="List people")
def list_people(request: Request, params: Annotated[PersonParams, Query()],
                principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> JSONResponse:
    """People the token may see."""
    return listing(request, session, principal, Entity.person, params, clock)


@router.get("/people/{person_id}", response_model=schemas.view_model(Entity.person),
            tags=["people"], responses=READ_RESPONSES, summary="Get a person")
def get_person(request: Request, person_id: str, params: Annotated[ItemParams, Query()],
               principal: PrincipalDep, session: SessionDep) -> JSONResponse:
    """One person."""
    return reading(request, session, principal, Entity.person, person_id, params)


@router.get("/absences", response_model=schemas.page_model(Entity.absence), tags=["people"],
            responses=READ_RESPONSES, summary="List absences")
def list_absences(request: Request, params: Annotated[AbsenceParams, Query()],
                  principal: PrincipalDep, session: SessionDep,
                  clock: ClockDep) -> JSONResponse:
    """Absences (who is out when), e.g. `from_date`/`to_date` for a window."""
    forbid(principal.may_read_hr, _NO_ABSENCES)
    return listing(request, session, principal, Entity.absence, params, clock)


@router.get("/absences/{absence_id}", response_model=schemas.view_model(Entity.absence),
            tags=["people"], responses=READ_RESPONSES, summary="Get an absence")
def get_absence(request: Request, absence_id: str, params: Annotated[ItemParams, Query()],
                principal: PrincipalDep, session: SessionDep) -> JSONResponse:
    """One absence."""
    forbid(principal.may_read_hr, _NO_ABSENCES)
    return reading(request, session, principal, Entity.absence, absence_id, params)
