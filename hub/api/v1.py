"""The unified API under /api/v1: every route needs a valid token and takes only the query
parameters it documents."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from hub.api import (
    budgets,
    changes,
    comments,
    conflicts,
    connectors,
    crm,
    digests,
    forecasts,
    people,
    projects,
    tasks,
)
from hub.api.deps import authenticate, strict_query

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticate), Depends(strict_query)])
for module in (projects, tasks, comments, people, budgets, crm, conflicts, connectors, changes,
               digests, forecasts):
    router.include_router(module.router)
