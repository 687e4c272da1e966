"""Fixtures for API tests: the seeded world (see world.py) behind a test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.api.app import create_app
from tests.api.world import NOW, World, seed
from tests.sync.harness import fake_config, fake_registry, fake_tools


@pytest.fixture
def world(engine: Engine) -> World:
    return seed(engine)


@pytest.fixture
def app(engine: Engine, world: World) -> FastAPI:
    app = create_app(fake_config(fake_tools(["a", "b"])), engine, fake_registry())
    app.state.clock = lambda: NOW
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
