"""Tokens: every API request without a valid one is 401 (problem+json); operations and
webhook endpoints stay open; secrets are stored only as hashes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.auth.cache import TokenCache
from hub.auth.tokens import create_token, digest, revoke_token
from hub.store.auth import ApiToken, Role
from tests.api.world import NOW, World


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer ", "Bearer hub_nope",
                                    "Bearer not-even-ours"])
def test_a_request_without_a_valid_token_is_401(client: TestClient, header: str | None) -> None:
    answer = client.get("/api/v1/projects",
                        headers={"Authorization": header} if header is not None else {})

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["detail"]


def test_a_revoked_or_expired_token_is_401(client: TestClient, world: World,
                                           engine: Engine) -> None:
    with Session(engine) as session:
        old = create_token(session, Role.viewer, NOW - timedelta(days=2),
                           expires_in=timedelta(days=1))
        token = session.scalars(select(ApiToken).where(ApiToken.name == "admin-token")).one()
        revoke_token(session, token.id, NOW)
        session.commit()

    expired = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {old.secret}"})
    revoked = client.get("/api/v1/projects", headers=world.auth("admin"))

    assert expired.status_code == revoked.status_code == 401
    assert "expired" in expired.json()["detail"]
    assert "revoked" in revoked.json()["detail"]


def test_a_token_revoked_while_in_use_stops_working_within_the_cache_window(
        client: TestClient, world: World, engine: Engine) -> None:
    ticks = [0.0]
    client.app.state.token_cache = TokenCache(ttl=5.0, monotonic=lambda: ticks[0])  # type: ignore[attr-defined]
    assert client.get("/api/v1/projects", headers=world.auth("admin")).status_code == 200
    with Session(engine) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.name == "admin-token")).one()
        revoke_token(session, token.id, NOW)
        session.commit()

    ticks[0] = 4.0  # checked 4 s ago: still trusted, without asking the database
    assert client.get("/api/v1/projects", headers=world.auth("admin")).status_code == 200
    ticks[0] = 5.0
    refused = client.get("/api/v1/projects", headers=world.auth("admin"))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_operations_docs_and_webhooks_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.post("/webhooks/a", content=b"{}").status_code == 401  # its signature's
    assert client.post("/webhooks/a", content=b"{}").json()["title"] == "Webhook rejected"


def test_only_a_hash_of_the_secret_is_stored(world: World, engine: Engine) -> None:
    with Session(engine) as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.name == "viewer-token")).one()

    assert stored.secret_sha256 == digest(world.tokens["viewer"])
    assert world.tokens["viewer"] not in repr(vars(stored))
