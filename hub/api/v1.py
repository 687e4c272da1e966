"""The unified API under /api/v1: every route needs a valid token and takes only the query
parameters it documents."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from hub.api import budgets, changes, conflicts, connectors, crm, people, projects, tasks
from hub.api.deps import authenticate, strict_query

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticate), Depends(strict_query)])
for module in (projects, tasks, people, budgets, crm, conflicts, connectors, changes):
    router.include_router(module.router)
