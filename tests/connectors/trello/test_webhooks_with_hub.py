"""Trello webhooks against a running hub: `hub serve` with a public URL subscribes the board
once; Trello's HEAD check of the callback URL is answered; deliveries, signed over the body and
the callback URL, are verified against the URL the tool was given (a proxy between them
changes nothing), and a card's change arrives; one signed for another URL is refused."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from connectors.trello import TrelloConnector
from connectors.trello.sandbox import TrelloSandbox
from connectors.trello.sandbox.app import SIGNATURE
from hub.api.app import create_app
from hub.config.models import HubConfig, ServerConfig
from hub.sdk.registry import Registry
from hub.testing.server import RunningServer, free_port, serve
from tests.connectors.hub_steps import canonical_title
from tests.connectors.trello.conftest import SECRET
from tests.connectors.trello.drivers import trello_config
from tests.wait import until


def test_serve_subscribes_once_and_takes_signed_deliveries(
        engine: Engine, trello: TrelloSandbox, trello_server: RunningServer) -> None:
    port = free_port()
    config = HubConfig(server=ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}"),
                       connectors={"design-trello": trello_config(
                           trello_server.url, trello.board["id"],
                           poll={"enabled": False})})
    registry = Registry()
    registry.add(TrelloConnector)
    card = trello.create_card("Launch banner", members=["bo.print@aurora.example"])

    with serve(create_app(config, engine, registry, background=True), port=port) as hub:
        until(lambda: len(trello.webhooks.hooks()) == 1, "the hub subscribed to the board")
        callback = trello.webhooks.hooks()[0].url
        assert callback == f"http://127.0.0.1:{port}/webhooks/design-trello"
        trello.update_card(card["id"], name="Launch banner, wide")
        until(lambda: canonical_title(engine, card["id"]) == "Launch banner, wide",
              "the signed delivery reached the canonical store")

        body = b'{"action":{"id":"6000000000000000000000ff","type":"updateCard",' \
               b'"data":{"card":{"id":"' + card["id"].encode() + b'"}}}}'
        elsewhere = SIGNATURE.sign(SECRET, body, url="https://attacker.example/webhooks/x")
        refused = httpx.post(f"{hub.url}/webhooks/design-trello", content=body,
                             headers=elsewhere)
        checked = httpx.head(f"{hub.url}/webhooks/design-trello")
    assert refused.status_code == 401
    assert checked.status_code == 200
    assert len(trello.webhooks.hooks()) == 1
