"""Liveness and readiness: /readyz tells an orchestrator whether the hub can serve."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.config.models import HubConfig
from hub.store import migrate


def test_healthz_answers_while_the_database_is_not_ready(empty_engine: Engine) -> None:
    client = TestClient(create_app(HubConfig(), empty_engine))
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_503_until_the_schema_is_current(empty_engine: Engine) -> None:
    client = TestClient(create_app(HubConfig(), empty_engine))

    before = client.get("/readyz")
    migrate.upgrade(empty_engine)
    after = client.get("/readyz")

    assert before.status_code == 503
    assert before.headers["content-type"] == "application/problem+json"
    assert "run `hub db upgrade`" in before.json()["detail"]
    assert after.status_code == 200
    assert after.json()["schema"] == migrate.head_revision(empty_engine)
