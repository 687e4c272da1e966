"""/api/v1/digests: the daily digests the hub wrote, to read later."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.answer import JSONAnswer
from hub.api.deps import PrincipalDep, SessionDep, forbid
from hub.api.resources import READ_RESPONSES
from hub.query.params import MAX_LIMIT, IsoDate, Strict, Whole, text
from hub.store.auth import Role
from hub.store.notify import Digest

router = APIRouter(tags=["digests"])


class DigestOut(BaseModel):
    """One day's digest for one subject, in one language."""

    id: str
    scope: str = Field(description="project, department, manager or all")
    subject: str = Field(description="the project key, department or manager e-mail")
    channel: str | None = Field(None, description="the channel it was written for")
    day: str
    language: str
    title: str
    body: str
    facts: dict[str, Any]


class DigestPage(BaseModel):
    items: list[DigestOut]


class DigestParams(Strict):
    project: str | None = text(64, "only digests of this project key")
    department: str | None = text(120, "only digests of this department")
    date: IsoDate | None = Field(None, description="the day, YYYY-MM-DD")
    limit: Whole = Field(50, ge=1, le=MAX_LIMIT)


@router.get("/digests", response_model=DigestPage, responses=READ_RESPONSES,
            summary="List daily digests")
def digests(params: Annotated[DigestParams, Query()], principal: PrincipalDep,
            session: SessionDep) -> JSONResponse:
    """Digests, newest first; a department token reads its own department's."""
    forbid(principal.sees_everything or principal.role is Role.department,
           "digests are written for the hub's own teams: a partner token can't read them")
    query = select(Digest).order_by(Digest.day.desc(), Digest.created_at.desc())
    if principal.role is Role.department:
        query = query.where(Digest.scope == "department",
                            Digest.key.startswith(f"{principal.department}@", autoescape=True))
    if params.project is not None:
        query = query.where(Digest.scope == "project",
                            Digest.key.startswith(f"{params.project}@", autoescape=True))
    if params.department is not None:
        query = query.where(Digest.scope == "department",
                            Digest.key.startswith(f"{params.department}@", autoescape=True))
    if params.date is not None:
        query = query.where(Digest.day == params.date)
    items = []
    for row in session.scalars(query.limit(params.limit)):
        subject, _, channel = row.key.rpartition("@")
        items.append({"id": row.id, "scope": row.scope, "subject": subject,
                      "channel": None if channel == "-" else channel,
                      "day": row.day.isoformat(), "language": row.language, "title": row.title,
                      "body": row.body, "facts": row.facts})
    return JSONAnswer({"items": items})
