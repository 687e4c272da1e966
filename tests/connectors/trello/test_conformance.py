"""The shared conformance suite, against the Trello sandbox over real HTTP, every request and
answer checked against Trello's OpenAPI description."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from connectors.trello.sandbox import TrelloSandbox
from hub.testing.conformance import ConnectorConformance
from hub.testing.kit.openapi import SpecRecorder
from hub.testing.server import RunningServer, serve
from tests.connectors.trello.drivers import TrelloDriver


@pytest.fixture
def head_target() -> Iterator[str]:
    """A callback URL that answers Trello's HEAD check, as the hub's does."""
    app = FastAPI()

    @app.api_route("/webhooks/design-trello", methods=["HEAD", "POST"])
    async def hook(request: Request) -> Response:
        return Response(status_code=200)

    with serve(app) as running:
        yield f"{running.url}/webhooks/design-trello"


class TestTrelloConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, trello: TrelloSandbox, trello_server: RunningServer,
               head_target: str) -> TrelloDriver:
        return TrelloDriver(trello, trello_server.url, head_target)

    @pytest.fixture(autouse=True)
    def conforms(self, recorder: SpecRecorder) -> Iterator[None]:
        yield
        assert recorder.violations == []


def test_the_spec_check_catches_what_trello_lacks(recorder: SpecRecorder,
                                                 trello_server: RunningServer) -> None:
    httpx.get(f"{trello_server.url}/1/cards/abc", params={"colour": "red", "key": "k"})
    assert recorder.violations == [
        "GET /cards/{id}: query parameter 'colour' is not in the description"]
