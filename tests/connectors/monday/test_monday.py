"""monday.com's peculiarities, against its sandbox over real HTTP: the complexity budget says
when to come back, an `items_page` cursor older than 60 minutes is refused, and against a
running hub webhooks are created once per event after the hub echoes the challenge, and their
JWT-signed deliveries bring changes in."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from connectors.monday import MondayConnector
from connectors.monday.sandbox import MondaySandbox
from hub.api.app import create_app
from hub.config.models import HubConfig, ServerConfig
from hub.errors import Retriable
from hub.sdk.registry import Registry
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer, free_port, serve
from tests.connectors.conftest import FakeClock
from tests.connectors.hub_steps import canonical_title
from tests.connectors.monday.conftest import monday_config
from tests.wait import until


@pytest.mark.anyio
async def test_an_exhausted_budget_says_when_to_retry(monday: MondaySandbox,
                                                      monday_server: RunningServer) -> None:
    monday.budget = 1500  # one query a minute
    connector = MondayConnector("mkt-monday", monday_config(monday_server.url,
                                                            monday.board["id"]))
    with pytest.raises(Retriable) as info:
        await poll_all(connector, None)
    await connector.aclose()
    assert "Complexity budget exhausted" in info.value.reason
    assert info.value.retry_after is not None
    assert 0 < info.value.retry_after <= 60


def test_a_cursor_lives_sixty_minutes(monday: MondaySandbox, monday_server: RunningServer,
                                      clock: FakeClock) -> None:
    for n in range(3):
        monday.create_item(f"Asset {n}")
    query = ("query ($b: [ID!]) { boards(ids: $b) { items_page(limit: 1) { cursor items "
             "{ id } } } }")
    with httpx.Client(base_url=monday_server.url,
                      headers={"Authorization": "monday-token"}) as http:
        first = http.post("/v2", json={"query": query, "variables": {"b": [monday.board["id"]]}})
        cursor = first.json()["data"]["boards"][0]["items_page"]["cursor"]
        clock.now += 61 * 60
        later = http.post("/v2", json={"query": "query ($c: String!) { next_items_page("
                                                "cursor: $c) { cursor items { id } } }",
                                       "variables": {"c": cursor}})
    assert "CursorExpiredError" in later.json()["errors"][0]["message"]


def test_webhooks_echo_the_challenge_and_deliver_signed_changes(
        engine: Engine, monday: MondaySandbox, monday_server: RunningServer) -> None:
    port = free_port()
    config = HubConfig(server=ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}"),
                       connectors={"mkt-monday": monday_config(
                           monday_server.url, monday.board["id"], poll={"enabled": False})})
    registry = Registry()
    registry.add(MondayConnector)
    item = monday.create_item("Launch teaser", status="Working on it")

    with serve(create_app(config, engine, registry, background=True), port=port):
        until(lambda: len(monday.webhooks.hooks()) == 4, "one webhook per event type")
        monday.update_item(item["id"], name="Launch teaser, 15s")
        until(lambda: canonical_title(engine, item["id"]) == "Launch teaser, 15s",
              "the JWT-signed delivery reached the canonical store")
    assert sorted(h.extra["event"] for h in monday.webhooks.hooks()) == [
        "change_column_value", "change_name", "create_item", "item_deleted"]
