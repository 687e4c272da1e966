"""The FastAPI application: `create_app` wires the state; routers stay thin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

import hub
from hub import ui
from hub.api import docs, openapi, problems, v1, webhooks
from hub.api.deps import PrincipalDep, forbid, read_sessionmaker, utcnow
from hub.api.metrics import Metrics
from hub.api.middleware import RequestContext
from hub.api.problems import problem
from hub.auth.cache import TokenCache
from hub.auth.oidc import OidcVerifier
from hub.config.models import HubConfig
from hub.query.plans import plan_with_values
from hub.sdk.registry import Registry
from hub.store import migrate
from hub.store.db import make_sessionmaker, ping
from hub.sync.dispatch import Job
from hub.sync.intake import InboxWriter
from hub.sync.queue import QueueDispatcher
from hub.sync.runner import EmbeddedRunner
from hub.sync.runtime import Runtime


def create_app(config: HubConfig, engine: Engine, registry: Registry | None = None, *,
               background: bool = False, queue: bool = False) -> FastAPI:
    """Build the hub's HTTP application on an engine the caller owns.

    With a connector `registry` the app takes webhooks; with `background` it also runs the
    scheduler and workers in this process (the embedded mode of `hub serve`); with `queue` it
    hands the work to `hub worker` processes through the job queue (scaled out).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt: Runtime | None = app.state.runtime
        runner = EmbeddedRunner(rt) if rt is not None and background else None
        dispatcher = QueueDispatcher(rt) if rt is not None and queue and not background \
            else None
        app.state.runner = runner or dispatcher
        if runner is not None:
            await runner.start(sessions=(app.state.sessions,))  # API edits ask for pushes
        if dispatcher is not None:
            dispatcher.install(app.state.sessions)
            if config.server.public_url:
                for connector_id in dispatcher.rt.connectors:
                    await dispatcher.enqueue(Job.register(connector_id))
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            if dispatcher is not None:
                dispatcher.uninstall()
            if rt is not None:
                await rt.aclose()
            if app.state.oidc is not None:
                app.state.oidc.close()

    app = FastAPI(title="Integration hub", version=hub.__version__,
                  description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.config = config
    app.state.engine = engine
    plan_with_values(engine)  # list statements skip psycopg's prepare: see hub.query.plans
    app.state.sessions = make_sessionmaker(engine)
    app.state.read_sessions = read_sessionmaker(engine)
    app.state.clock = utcnow
    app.state.token_cache = TokenCache()
    # Single sign-on: JWTs from the `sso:` providers (None: hub tokens only).
    app.state.oidc = OidcVerifier(config.sso) if config.sso.issuers else None
    # One clock for the API and the engine it drives (tests replace app.state.clock).
    app.state.runtime = Runtime(config, registry, engine, clock=lambda: app.state.clock()) \
        if registry is not None else None
    app.state.runner = None
    # Deliveries are stored many per transaction under load (hub.sync.intake).
    app.state.inbox = InboxWriter(app.state.runtime) if app.state.runtime is not None else None
    app.state.metrics = Metrics(app.state.sessions, config, lambda: app.state.clock(),
                                lambda: app.state.runner.stats() if app.state.runner else None)
    problems.install(app)
    openapi.install(app)
    docs.install(app)  # Swagger UI from the package: /docs works offline
    app.add_middleware(RequestContext, metrics=app.state.metrics)
    app.include_router(webhooks.router)
    app.include_router(v1.router)
    ui.install(app)  # the dashboard at /ui

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics",
             response_class=Response, responses={
                 200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "text format"},
                 **{k: v for k, v in problems.PROBLEM_RESPONSES.items() if k in (401, 403)}})
    def metrics(request: Request, principal: PrincipalDep) -> Response:
        forbid(principal.may_read_operations,
               f"a {principal.role.value} token can't read metrics")
        return Response(generate_latest(request.app.state.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The hub can serve: database reachable, "
                                                      "schema current, job queue reachable",
             responses={503: problems.problem_response("not ready; the problem says why")})
    def readyz(request: Request) -> Any:
        db: Engine = request.app.state.engine
        try:
            ping(db)
            current, behind = migrate.current_revision(db), migrate.schema_behind(db)
        except SQLAlchemyError as exc:
            return _not_ready(f"database unreachable: {type(exc).__name__}")
        if behind is not None:
            return _not_ready(behind)
        runner = request.app.state.runner
        try:
            queue = queue_state(runner)
        except SQLAlchemyError as exc:
            return _not_ready(f"job queue unreachable: {type(exc).__name__}")
        return {"status": "ready", "database": "ok", "schema": current, "queue": queue}

    return app


DESCRIPTION = """One truth across every department's tools.

Every `/api/v1` request needs `Authorization: Bearer <token>` (an admin creates tokens with
`hub token create`). Errors are RFC 9457 problem+json. Lists page with `next_cursor`; records
carry their version as ETag: send it back as If-Match when you PATCH.
"""


def queue_state(runner: EmbeddedRunner | QueueDispatcher | None) -> str:
    """What /readyz says of the jobs: run here, queued for workers (how many are alive), or
    not run by this process."""
    if isinstance(runner, EmbeddedRunner):
        return "embedded"
    if runner is None:
        return "none"
    stats = runner.stats()  # reads the queue's tables: raises when they can't be read
    alive = sum(1 for age in stats.heartbeats.values()
                if age < runner.rt.config.queue.stalled_after.total_seconds())
    return f"ok, {alive} worker{'s' if alive != 1 else ''} alive"


def _not_ready(detail: str) -> JSONResponse:
    return problem(503, "Not ready", detail)
