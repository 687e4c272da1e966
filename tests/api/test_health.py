"""Liveness and readiness: /readyz tells an orchestrator whether the hub can serve."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

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


def test_readyz_stays_ready_on_a_newer_schema_and_not_on_an_older_one(
        empty_engine: Engine) -> None:
    client = TestClient(create_app(HubConfig(), empty_engine))
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as conn:  # the next release's `hub db upgrade` ran
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer = client.get("/readyz")
    with empty_engine.begin() as conn:  # a schema from before this release
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    older = client.get("/readyz")

    assert newer.status_code == 200  # a rolling upgrade keeps the old replicas serving
    assert older.status_code == 503
    assert "database schema at 0004, code needs" in older.json()["detail"]
