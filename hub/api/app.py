"""The FastAPI application: `create_app` wires the state; routers stay thin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

import hub
from hub.api import webhooks
from hub.api.problems import problem
from hub.config.models import HubConfig
from hub.sdk.registry import Registry
from hub.store import migrate
from hub.store.db import ping
from hub.sync.runner import EmbeddedRunner
from hub.sync.runtime import Runtime


def create_app(config: HubConfig, engine: Engine, registry: Registry | None = None, *,
               background: bool = False) -> FastAPI:
    """Build the hub's HTTP application on an engine the caller owns.

    With a connector `registry` the app takes webhooks; with `background` it also runs the
    scheduler and workers in this process (the embedded mode of `hub serve`).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt: Runtime | None = app.state.runtime
        runner = EmbeddedRunner(rt) if rt is not None and background else None
        app.state.runner = runner
        if runner is not None:
            await runner.start()
        try:
            yield
        finally:
            if runner is not None:
                await runner.stop()
            if rt is not None:
                await rt.aclose()

    app = FastAPI(title="Integration hub", version=hub.__version__,
                  description="One truth across every department's tools.", lifespan=lifespan)
    app.state.config = config
    app.state.engine = engine
    app.state.runtime = Runtime(config, registry, engine) if registry is not None else None
    app.state.runner = None
    app.include_router(webhooks.router)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The hub can serve: database reachable, "
                                                      "schema current")
    def readyz(request: Request) -> Any:
        db: Engine = request.app.state.engine
        try:
            ping(db)
            current, head = migrate.current_revision(db), migrate.head_revision(db)
        except SQLAlchemyError as exc:
            return _not_ready(f"database unreachable: {type(exc).__name__}")
        if current != head:
            return _not_ready(f"database schema at {current or 'nothing'}, code needs {head}: "
                              "run `hub db upgrade`")
        return {"status": "ready", "database": "ok", "schema": current}

    return app


def _not_ready(detail: str) -> JSONResponse:
    return problem(503, "Not ready", detail)
