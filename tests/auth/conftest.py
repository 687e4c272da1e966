"""Fixtures for single sign-on: the local OIDC provider served over real HTTP (its clock the
tests' `NOW`), and the API tests' seeded world behind a hub that trusts it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.auth.oidc import OidcVerifier
from hub.testing.oidc_provider import OidcProvider
from tests.api.world import NOW, World, seed
from tests.auth.idp import Ticks, served_provider, sso_config
from tests.sync.harness import fake_config, fake_registry, fake_tools


@pytest.fixture
def op() -> Iterator[OidcProvider]:
    with served_provider() as provider:
        yield provider


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
