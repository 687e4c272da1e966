"""Comments between a Trello card and its Asana task (both sandboxes over real HTTP, one task
by the Jira key both name): a designer's comment reaches Asana with who wrote it and where,
marketing's reaches the card as the hub's own, and the echoes change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.trello import TrelloConnector
from connectors.trello.sandbox import TrelloSandbox
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.sync.comments.jobs import read_threads
from hub.sync.jobs import poll_connector, push_due
from hub.sync.runtime import Runtime
from hub.testing.server import serve
from tests.connectors.asana.drivers import asana_config
from tests.connectors.trello.drivers import trello_config

pytestmark = pytest.mark.anyio
CONNECTORS = ("design-trello", "mkt-asana")


@pytest.fixture
def hub(engine: Engine) -> Iterator[tuple[Runtime, TrelloSandbox, AsanaSandbox, str, str]]:
    trello = TrelloSandbox(seed=5)
    trello.add_member("ana.design@aurora.example", "Ana Design", "anadesign")
    asana = AsanaSandbox(token="asana-pat", seed=5)
    asana.add_user("bea.ross@example.com", "Bea Ross")
    project = str(asana.add_project("Spring launch")["gid"])
    card = str(trello.create_card("Launch poster", desc="Jira: RD-7")["id"])
    task = str(asana.create_task(project, "Poster promotion", jira_key="RD-7")["gid"])
    with serve(trello.app) as trello_server, serve(asana.app) as asana_server:
        config = HubConfig(
            connectors={"design-trello": trello_config(trello_server.url, trello.board["id"]),
                        "mkt-asana": asana_config(asana_server.url, [project])},
            sync=SyncConfig.model_validate(
                {"entities": {"task": {"match": ["custom.jira_key"]}}}))
        registry = Registry()
        registry.add(TrelloConnector)
        registry.add(AsanaConnector)
        yield Runtime(config, registry, engine), trello, asana, card, task


async def _settle(rt: Runtime) -> int:
    pushed = 0
    for _ in range(4):
        for connector_id in CONNECTORS:
            await poll_connector(rt, connector_id)
            await read_threads(rt, connector_id)
        done = [o for o in await push_due(rt) if o.state == "done" and "comment" in o.detail]
        pushed += len(done)
        if not done:
            return pushed
    return pushed


async def test_comments_travel_between_a_card_and_its_asana_task(
        hub: tuple[Runtime, TrelloSandbox, AsanaSandbox, str, str]) -> None:
    rt, trello, asana, card, task = hub
    await _settle(rt)
    trello.add_comment(card, "Colours are final", actor="ana.design@aurora.example")
    asana.add_comment(task, "Print run is 500", actor="bea.ross@example.com")
    assert await _settle(rt) == 2

    assert sorted(c["data"]["text"] for c in trello.comments(card)) == [
        "Bea Ross (in Asana): Print run is 500", "Colours are final"]
    hub_posts = [c for c in trello.comments(card) if c["idMemberCreator"] == trello.me["id"]]
    assert len(hub_posts) == 1
    assert sorted(s["text"] for s in asana.comments(task)) == [
        "Ana Design (in Trello): Colours are final", "Print run is 500"]
    assert await _settle(rt) == 0  # the hub's own comments coming back post nothing
    await rt.aclose()
