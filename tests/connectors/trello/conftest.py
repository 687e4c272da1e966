"""Fixtures for the Trello tests: the sandbox, served over real HTTP behind a recorder that
checks every request and answer against shared/specs/trello-openapi.json."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.trello.sandbox import TrelloSandbox
from hub.testing.kit.openapi import OpenApiSpec, SpecRecorder
from hub.testing.server import RunningServer, serve
from tests.connectors.conftest import FakeClock
from tests.specs import spec_file

SECRET = "trello-app-secret"


@pytest.fixture(scope="session")
def trello_spec() -> OpenApiSpec:
    return OpenApiSpec.load(spec_file("trello-openapi.json"), server_prefix="/1",
                            ignore_params={"key", "token"})


@pytest.fixture
def trello(clock: FakeClock) -> TrelloSandbox:
    sandbox = TrelloSandbox(secret=SECRET, seed=5, clock=clock)
    sandbox.add_member("ana.design@aurora.example", "Ana Design", "anadesign")
    sandbox.add_member("bo.print@aurora.example", "Bo Print", "boprint")
    sandbox.webhooks.retry_delay = 0.05
    return sandbox


@pytest.fixture
def recorder(trello: TrelloSandbox, trello_spec: OpenApiSpec) -> SpecRecorder:
    return SpecRecorder(trello.app, trello_spec)


@pytest.fixture
def trello_server(recorder: SpecRecorder) -> Iterator[RunningServer]:
    with serve(recorder) as running:
        yield running
