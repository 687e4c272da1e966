"""Fixtures for single sign-on: the local OIDC provider served over real HTTP (its clock the
tests' `NOW`), and the API tests' seeded world behind a hub that trusts it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.auth.oidc import OidcVerifier
from hub.config.sso import IssuerConfig, SsoConfig
from hub.store.auth import Role
from hub.testing.oidc_provider import OidcClient, OidcProvider, OidcUser
from hub.testing.server import free_port, serve
from tests.api.world import NOW, World, seed
from tests.sync.harness import fake_config, fake_registry, fake_tools

CLIENT_SECRET = "s3cret-of-the-dashboard-client"  # noqa: S105
REFETCH_EVERY = timedelta(seconds=30)


def users() -> list[OidcUser]:
    """The world's people as the identity provider knows them."""
    return [OidcUser("ada", "Ada Admin", ["hub-admins", "staff"], {"department": "R&D"}),
            OidcUser("rita", "Rita Research", ["staff"], {"department": "R&D"}),
            OidcUser("pat", "Pat Partner", ["partners"], {"partner": "Acme"}),
            OidcUser("max", "Max Manager", ["managers"]),
            OidcUser("nora", "Nora Nobody", ["canteen"])]


@pytest.fixture
def op() -> Iterator[OidcProvider]:
    """The provider, served: its issuer is its real URL."""
    port = free_port()
    provider = OidcProvider(f"http://127.0.0.1:{port}", users=users(), clock=lambda: NOW,
                            clients=[OidcClient("hub-dashboard", CLIENT_SECRET)])
    with serve(provider.app, port=port):
        yield provider


def sso_config(op: OidcProvider) -> SsoConfig:
    return SsoConfig(issuers={"local": IssuerConfig(
        issuer=op.issuer or "", audience=["hub-api"], client_id="hub-dashboard",
        client_secret=SecretStr(CLIENT_SECRET), title="Local IdP",
        jwks_refetch_every=REFETCH_EVERY,
        roles={Role.admin: ["hub-admins"], Role.manager: ["managers"],
               Role.department: ["staff"], Role.partner: ["partners"]},
        partners={"Acme": ["RD"]})})


@dataclass
class Ticks:
    """A monotonic clock the test moves (the JWKS refetch limit is judged by it)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def world(engine: Engine) -> World:
    return seed(engine)


@pytest.fixture
def app(engine: Engine, world: World, op: OidcProvider, ticks: Ticks) -> Iterator[FastAPI]:
    config = fake_config(fake_tools(["a", "b"])).model_copy(update={"sso": sso_config(op)})
    app = create_app(config, engine, fake_registry())
    app.state.clock = lambda: NOW
    app.state.oidc.close()
    app.state.oidc = OidcVerifier(config.sso, monotonic=ticks)
    yield app
    app.state.oidc.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwks_fetches(op: OidcProvider) -> int:
    return op.requests.get("/jwks", 0)
