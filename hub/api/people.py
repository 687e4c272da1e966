"""/api/v1/people and /api/v1/absences (read only: HR is their authority).

Partners see people by display name only, and no absences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from hub.api import schemas
from hub.api.answer import JSONAnswer
from hub.api.deps import ClockDep, PrincipalDep, ReadSessionDep, RecordRef, SessionDep, forbid
from hub.api.resources import READ_RESPONSES, listing, reading
from hub.auth.policy import entity_view
from hub.model.enums import Entity
from hub.query.params import AbsenceItem, AbsenceParams, PersonItem, PersonParams
from hub.query.people import unresolved_people
from hub.store.auth import Role

router = APIRouter()
_NO_ABSENCES = "absences are HR data: a partner token can't read them"


@router.get("/people", response_model=schemas.page_model(Entity.person), tags=["people"],
            responses=READ_RESPONSES, summary="List people")
def list_people(request: Request, params: Annotated[PersonParams, Query()],
                principal: PrincipalDep, session: ReadSessionDep, clock: ClockDep) -> JSONResponse:
    """People the token may see."""
    return listing(request, session, principal, Entity.person, params, clock)


@router.get("/people/unresolved", tags=["people"], responses=READ_RESPONSES,
            summary="People without an HR record")
def list_unresolved(request: Request, principal: PrincipalDep,
                    session: SessionDep) -> JSONResponse:
    """People the hub met in the tools (assignees, users) under an e-mail or id that no HR
    record has: listed to be resolved (fix the e-mail, or add an alias under `sync.aliases`),
    never merged by display name. Admins and managers."""
    forbid(principal.role in (Role.admin, Role.manager),
           "the unresolved people list is for admins and managers")
    hr = hr_connectors(request)
    found = unresolved_people(session, hr)
    return JSONAnswer({"items": [u.as_json() for u in found], "hr_connectors": hr,
                         "total": len(found)})


def hr_connectors(request: Request) -> list[str]:
    """Connectors whose kind is the authority on people (HR)."""
    return sorted(cid for cid, c in request.app.state.config.connectors.items()
                  if c.enabled and type(c).authority.get(Entity.person.value))


@router.get("/people/{person_id}", response_model=schemas.view_model(Entity.person),
            tags=["people"], responses=READ_RESPONSES, summary="Get a person")
def get_person(request: Request, person_id: RecordRef, params: Annotated[PersonItem, Query()],
               principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One person."""
    return reading(request, session, principal, Entity.person, person_id, params)


@router.get("/absences", response_model=schemas.page_model(Entity.absence), tags=["people"],
            responses=READ_RESPONSES, summary="List absences")
def list_absences(request: Request, params: Annotated[AbsenceParams, Query()],
                  principal: PrincipalDep, session: ReadSessionDep,
                  clock: ClockDep) -> JSONResponse:
    """Absences (who is out when), e.g. `from_date`/`to_date` for a window."""
    forbid(entity_view(principal, Entity.absence) is not None, _NO_ABSENCES)
    return listing(request, session, principal, Entity.absence, params, clock)


@router.get("/absences/{absence_id}", response_model=schemas.view_model(Entity.absence),
            tags=["people"], responses=READ_RESPONSES, summary="Get an absence")
def get_absence(request: Request, absence_id: RecordRef,
                params: Annotated[AbsenceItem, Query()],
                principal: PrincipalDep, session: ReadSessionDep) -> JSONResponse:
    """One absence."""
    forbid(entity_view(principal, Entity.absence) is not None, _NO_ABSENCES)
    return reading(request, session, principal, Entity.absence, absence_id, params)
