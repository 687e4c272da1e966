"""/api/v1/connectors: sync health per connector, its quarantine, failed pushes and refused
fields; actions (admin only) to poll now and to retry failed pushes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub.api.answer import JSONAnswer
from hub.api.deps import ClockDep, ConnectorRef, PrincipalDep, SessionDep, forbid
from hub.api.problems import ProblemError
from hub.api.resources import READ_RESPONSES, as_problems
from hub.api.writes import WRITE_RESPONSES, after_write
from hub.auth.principal import Principal
from hub.query import health
from hub.query.params import MAX_LIMIT, Flag, Strict, Whole, cursor_param
from hub.sync.dispatch import Job
from hub.sync.queue import QueueDispatcher
from hub.sync.runner import EmbeddedRunner

router = APIRouter(tags=["connectors"])


class ConnectorHealth(BaseModel):
    """One connector's sync health."""

    id: str
    kind: str
    display_name: str | None = None
    enabled: bool
    state: str = Field(description="ok, degraded, failing, never_polled or disabled")
    last_success_at: str | None = Field(None, description="last poll that completed")
    last_error: str | None = None
    last_error_at: str | None = None
    cursor: str | None = Field(None, description="where the next poll starts")
    lag_seconds: float | None = Field(None, description="time since the last good poll")
    errors_24h: int
    quarantined: int = Field(description="records that could not be mapped")
    failed_pushes: int = Field(description="writes the tool refused")
    refused_fields: int = Field(0, description="fields the tool refused while it took the "
                                               "rest of a write; written again later")
    pending_pushes: int
    pending_deliveries: int = Field(description="webhook deliveries not processed yet")


class QuarantinedRecord(BaseModel):
    id: str
    remote_type: str | None = None
    remote_id: str | None = None
    location: str | None = None
    reason: str
    payload: Any = None
    created_at: str
    resolved_at: str | None = None


class FailedPush(BaseModel):
    id: str
    entity: str
    record_id: str
    remote_id: str | None = None
    url: str | None = None
    create: bool
    reason: str | None = Field(None, description="the tool's own words")
    attempts: int
    failed_at: str


class RefusedField(BaseModel):
    id: str
    entity: str
    record_id: str
    remote_id: str | None = None
    url: str | None = None
    field: str = Field(description="the hub's field")
    remote_path: str = Field(description="where the tool keeps it")
    reason: str = Field(description="the tool's own words")
    waits_for: str | None = Field(None, description="what, once it is in the tool, makes the "
                                                    "hub write the field again at once")
    attempts: int
    refused_at: str
    retry_at: str = Field(description="when the hub writes the field again at the latest")


class RefusedFieldPage(BaseModel):
    items: list[RefusedField]
    next_cursor: str | None = None


class QuarantinePage(BaseModel):
    items: list[QuarantinedRecord]
    next_cursor: str | None = None


class FailedPushPage(BaseModel):
    items: list[FailedPush]
    next_cursor: str | None = None


class Accepted(BaseModel):
    status: str
    detail: str


class Requeued(BaseModel):
    requeued: int


class PageParams(Strict):
    limit: Whole = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = cursor_param()


class QuarantineParams(PageParams):
    include_resolved: Flag = False


def _readable(request: Request, principal: Principal, connector_id: str | None) -> None:
    forbid(principal.may_read_operations, f"a {principal.role.value} token can't read sync "
                                          "health")
    configured = request.app.state.config.connectors
    if connector_id is not None and connector_id not in configured:
        raise ProblemError(404, f"no connector {connector_id!r} (configured: "
                                f"{', '.join(sorted(configured)) or 'none'})", title="Not found")


@router.get("/connectors", response_model=list[ConnectorHealth],
            responses=READ_RESPONSES, summary="Sync health of every connector")
def connectors(request: Request, principal: PrincipalDep, session: SessionDep,
               clock: ClockDep) -> JSONResponse:
    """State, last successful poll, cursor, lag, errors in the last 24 h, quarantined records
    and failed pushes, per connector."""
    _readable(request, principal, None)
    return JSONAnswer(health.connector_health(session, request.app.state.config, clock()))


@router.get("/connectors/{connector_id}/quarantine", response_model=QuarantinePage,
            responses=READ_RESPONSES, summary="Records that could not be mapped")
def quarantine(request: Request, connector_id: ConnectorRef,
               params: Annotated[QuarantineParams, Query()], principal: PrincipalDep,
               session: SessionDep) -> JSONResponse:
    """Each with the reason, the place in the tool and the payload as received."""
    _readable(request, principal, connector_id)
    with as_problems():
        page = health.quarantine(session, connector_id, params.limit, params.cursor,
                                 params.include_resolved)
    return JSONAnswer(page.as_json())


@router.get("/connectors/{connector_id}/failed-pushes", response_model=FailedPushPage,
            responses=READ_RESPONSES, summary="Writes the tool refused")
def failed(request: Request, connector_id: ConnectorRef, params: Annotated[PageParams, Query()],
           principal: PrincipalDep, session: SessionDep) -> JSONResponse:
    """Each with the tool's reason; fix the cause, then retry them."""
    _readable(request, principal, connector_id)
    with as_problems():
        page = health.failed_pushes(session, connector_id, params.limit, params.cursor)
    return JSONAnswer(page.as_json())


@router.get("/connectors/{connector_id}/refused-fields", response_model=RefusedFieldPage,
            responses=READ_RESPONSES, summary="Fields the tool refused in a write")
def refused(request: Request, connector_id: str, params: Annotated[PageParams, Query()],
            principal: PrincipalDep, session: SessionDep) -> JSONResponse:
    """Each with the tool's reason; the rest of each write went through, and the hub writes
    the field again when its value changes, when what it names appears in the tool, or at
    `retry_at`."""
    _readable(request, principal, connector_id)
    with as_problems():
        page = health.refused_fields(session, connector_id, params.limit, params.cursor)
    return JSONAnswer(page.as_json())


@router.post("/connectors/{connector_id}/sync", status_code=202, response_model=Accepted,
             responses=WRITE_RESPONSES, summary="Poll a connector now")
async def sync(request: Request, connector_id: ConnectorRef,
               principal: PrincipalDep) -> JSONResponse:
    """Queue a poll of the connector on this server's or the queue's workers (admin only)."""
    _operable(request, principal, connector_id)
    runner: EmbeddedRunner | QueueDispatcher | None = request.app.state.runner
    if runner is None or request.app.state.runtime is None:
        raise ProblemError(503, f"this server runs no sync workers: run `hub sync "
                                f"{connector_id}` instead", title="No workers")
    if connector_id not in request.app.state.runtime.connectors:
        raise ProblemError(409, f"connector {connector_id!r} is disabled (enabled: false)",
                           title="Connector disabled")
    await runner.enqueue(Job.poll(connector_id))
    return JSONAnswer({"status": "queued", "detail": f"a poll of {connector_id} is queued"},
                        status_code=202)


@router.post("/connectors/{connector_id}/retry-failed", response_model=Requeued,
             responses=WRITE_RESPONSES, summary="Retry a connector's failed pushes")
async def retry_failed(request: Request, connector_id: ConnectorRef, principal: PrincipalDep,
                       session: SessionDep, clock: ClockDep) -> JSONResponse:
    """Put every failed push to the connector back in the queue (admin only)."""
    _operable(request, principal, connector_id)

    def requeue() -> int:
        count = health.retry_failed(session, connector_id, clock())
        session.commit()
        return count

    count = await run_in_threadpool(requeue)
    await after_write(request)
    return JSONAnswer({"requeued": count})


def _operable(request: Request, principal: Principal, connector_id: str) -> None:
    forbid(principal.may_operate, f"only an admin token can act on connectors (this one is "
                                  f"{principal.role.value})")
    _readable(request, principal, connector_id)
