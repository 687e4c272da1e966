"""The FastAPI application: `create_app` wires the state; routers stay thin."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

import hub
from hub.config.models import HubConfig
from hub.store import migrate
from hub.store.db import ping


def create_app(config: HubConfig, engine: Engine) -> FastAPI:
    """Build the hub's HTTP application on an engine the caller owns."""
    app = FastAPI(title="Integration hub", version=hub.__version__,
                  description="One truth across every department's tools.")
    app.state.config = config
    app.state.engine = engine

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
    return JSONResponse(
        {"type": "about:blank", "title": "Not ready", "status": 503, "detail": detail},
        status_code=503, media_type="application/problem+json")
