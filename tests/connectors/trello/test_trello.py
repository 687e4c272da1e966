"""Trello's peculiarities, against its sandbox over real HTTP: a 429 with no rate-limit headers
is waited out, an archived card leaves as a deletion, the hub's id is kept in a card's
description but never shown to the mapping, and `hub mapping try` shows a card through the
board's lookup tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.trello import TrelloConnector
from connectors.trello.sandbox import TrelloSandbox
from hub.sdk.connector import LinkRef
from hub.sdk.declarative import DeclaredConnector
from hub.testing.conformance import poll_all
from hub.testing.kit.openapi import SpecRecorder
from hub.testing.server import RunningServer
from tests.connectors.trello.drivers import trello_config
from tests.plugins import run_hub

pytestmark = pytest.mark.anyio


@pytest.fixture
async def connector(trello: TrelloSandbox, trello_server: RunningServer):  # type: ignore[no-untyped-def]
    made = TrelloConnector("design-trello", trello_config(trello_server.url,
                                                          trello.board["id"]))
    yield made
    await made.aclose()


async def test_a_429_without_headers_is_waited_out(
        trello: TrelloSandbox, connector: DeclaredConnector, recorder: SpecRecorder) -> None:
    trello.create_card("Poster")
    trello.faults.rate_limit(2)

    records, _ = await poll_all(connector, None)

    assert "Poster" in [r.payload.get("name") for r in records]
    assert trello.calls["GET /1/boards/{board_id}/{what}"] >= 3  # two refused, then read


async def test_an_archived_card_is_a_deletion_and_the_hub_id_stays_hidden(
        trello: TrelloSandbox, connector: DeclaredConnector) -> None:
    created = await connector.create("card", "01HUBID0000000000000000001",
                                     {"name": "Banner", "desc": "Wide, for the booth"})
    card = trello.cards.get(created.remote_id)
    assert card is not None
    assert card["desc"] == "Wide, for the booth\n\n[hub:01HUBID0000000000000000001]"
    assert created.hub_id == "01HUBID0000000000000000001"
    assert created.payload["desc"] == "Wide, for the booth"

    written = await connector.push(LinkRef("card", created.remote_id, {},
                                           hub_id="01HUBID0000000000000000001"),
                                   {"desc": "Wide, for the booth, in blue"})
    assert trello.cards.get(created.remote_id)["desc"].endswith(  # type: ignore[index]
        "[hub:01HUBID0000000000000000001]")  # a push needed no read to keep it
    assert written.payload["desc"] == "Wide, for the booth, in blue"

    trello.update_card(created.remote_id, closed=True)
    (fetched,) = await connector.fetch("card", [created.remote_id])
    assert fetched.deleted


def test_mapping_try_shows_a_card_through_the_lookup_tables(tmp_path: Path,
                                                            trello: TrelloSandbox) -> None:
    doing = trello.one(trello.lists, name="Doing")["id"]
    (tmp_path / "config.yaml").write_text(
        "connectors:\n  design-trello:\n    kind: trello\n    api_key: k\n    token: t\n"
        "    board: b\n")
    (tmp_path / "card.json").write_text(json.dumps({"id": "c1", "name": "Poster",
                                                    "idList": doing, "idMembers": ["m9"]}))
    (tmp_path / "tables.json").write_text(json.dumps({"lists": {doing: "Doing"},
                                                      "members": {}}))

    shown = run_hub("mapping", "try", "design-trello", "card.json", "--type", "card",
                    "--lookups", "tables.json", "--config", "config.yaml", cwd=tmp_path)

    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "in_progress" in shown.stdout
    assert "idList (lookup lists)" in shown.stdout
