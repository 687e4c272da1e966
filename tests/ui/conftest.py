"""Fixtures for dashboard tests: the API tests' seeded world behind the hub's app, and a
browser client signed in per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


def sign_in(client: TestClient, token: str) -> None:
    """Sign in the way a browser does: open the form, send it back with its CSRF secret."""
    form = client.get("/ui/sign-in")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/ui/sign-in", data={"token": token, "csrf": csrf},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    """The session's CSRF secret as a page's forms carry it."""
    return html.split('name="csrf" value="')[1].split('"')[0]


@pytest.fixture
def signed_in(app: FastAPI, world: World) -> Iterator[Callable[[str], TestClient]]:
    """A client signed in with the world's token of a role."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        sign_in(client, world.tokens[role])
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
