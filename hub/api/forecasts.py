"""/api/v1/forecasts: each project's delivery forecast (P50, P85, the chance of missing its due
date), for the projects the token sees."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.answer import JSONAnswer
from hub.api.deps import PrincipalDep, SessionDep, forbid
from hub.api.resources import READ_RESPONSES
from hub.auth.policy import may_read
from hub.config.models import HubConfig
from hub.model.enums import Entity
from hub.query.params import Strict, text
from hub.query.scope import visible
from hub.store.canonical import Project
from hub.store.notify import Forecast

router = APIRouter(tags=["forecasts"])


class ForecastOut(BaseModel):
    """A project's delivery forecast (Monte Carlo over its own finished tasks per day)."""

    project: str | None = Field(None, description="the project's key")
    project_id: str
    remaining: int = Field(description="open tasks")
    p50: str | None = Field(None, description="half the simulated runs finished by this day")
    p85: str | None = None
    due_date: str | None = None
    probability_late: float | None = Field(None, description="share of runs after due_date")
    risks: list[str] = Field(description="forecast_late when the chance exceeds the config's "
                                         "risks.forecast_late_above")
    reason: str
    computed_at: str


class ForecastPage(BaseModel):
    items: list[ForecastOut]


class ForecastParams(Strict):
    project: str | None = text(64, "only this project (key)")
    risk: str | None = text(64, "only forecasts with this risk, e.g. forecast_late")


@router.get("/forecasts", response_model=ForecastPage, responses=READ_RESPONSES,
            summary="List delivery forecasts")
def forecasts(request: Request, params: Annotated[ForecastParams, Query()],
              principal: PrincipalDep, session: SessionDep) -> JSONResponse:
    """Forecasts of the projects the token sees (`risk=forecast_late` for those likely late)."""
    forbid(may_read(principal, Entity.project, "due_date"),
           "forecasts speak of due dates, which this token can't read")
    config: HubConfig = request.app.state.config
    threshold = config.risks.forecast_late_above
    query = select(Forecast, Project.key).join(Project, Project.id == Forecast.project_id) \
        .where(visible(Entity.project, principal), Project.deleted_at.is_(None)) \
        .order_by(Project.key)
    if params.project is not None:
        query = query.where(Project.key == params.project)
    items = []
    for row, key in session.execute(query):
        late = row.probability_late is not None and row.probability_late > threshold
        risks = ["forecast_late"] if late else []
        if params.risk is not None and params.risk not in risks:
            continue
        items.append({"project": key, "project_id": row.project_id, "remaining": row.remaining,
                      "p50": row.p50.isoformat() if row.p50 else None,
                      "p85": row.p85.isoformat() if row.p85 else None,
                      "due_date": row.due_date.isoformat() if row.due_date else None,
                      "probability_late": row.probability_late, "risks": risks,
                      "reason": row.reason, "computed_at": row.computed_at.isoformat()})
    return JSONAnswer({"items": items})
