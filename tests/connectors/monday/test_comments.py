"""Comments between an Asana task and the monday.com item the hub mirrored it to (both
sandboxes over real HTTP): an update written on the item reaches Asana with who wrote it and
where, an Asana comment reaches the item as an update of the hub's account, and the echoes
change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.monday import MondayConnector
from connectors.monday.sandbox import MondaySandbox
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.sync.comments.jobs import read_threads
from hub.sync.jobs import poll_connector, push_due
from hub.sync.runtime import Runtime
from hub.testing.server import serve
from tests.connectors.asana.drivers import asana_config
from tests.connectors.monday.conftest import monday_config

pytestmark = pytest.mark.anyio
CONNECTORS = ("mkt-asana", "events-monday")


async def _settle(rt: Runtime) -> int:
    pushed = 0
    for _ in range(5):
        for connector_id in CONNECTORS:
            await poll_connector(rt, connector_id)
            await read_threads(rt, connector_id)
        done = [o for o in await push_due(rt) if o.state == "done" and "comment" in o.detail]
        pushed += len(done)
        if not done and pushed:
            return pushed
    return pushed


async def test_updates_and_comments_travel_between_monday_and_asana(engine: Engine) -> None:
    monday = MondaySandbox(seed=7)
    monday.add_user("mia.marketing@aurora.example", "Mia Marketing")
    asana = AsanaSandbox(token="asana-pat", seed=7)
    asana.add_user("bea.ross@example.com", "Bea Ross")
    project = str(asana.add_project("Spring launch")["gid"])
    task = str(asana.create_task(project, "Launch video")["gid"])
    with serve(monday.app) as monday_server, serve(asana.app) as asana_server:
        config = HubConfig(
            connectors={"mkt-asana": asana_config(asana_server.url, [project]),
                        "events-monday": monday_config(monday_server.url, monday.board["id"])},
            sync=SyncConfig.model_validate({"entities": {"task": {"mirror": [
                {"from": "mkt-asana", "to": "events-monday"}]}}}))
        registry = Registry()
        registry.add(AsanaConnector)
        registry.add(MondayConnector)
        rt = Runtime(config, registry, engine)
        await _settle(rt)
        [item] = monday.items.live()

        monday.add_update(str(item["id"]), "Cut 2 is uploaded",
                          author="mia.marketing@aurora.example")
        asana.add_comment(task, "Subtitles: EN & DE\nplease", actor="bea.ross@example.com")
        assert await _settle(rt) == 2

        assert sorted(s["text"] for s in asana.comments(task)) == [
            "Mia Marketing (in monday.com): Cut 2 is uploaded", "Subtitles: EN & DE\nplease"]
        updates = monday.item_updates(str(item["id"]))
        assert [u["body"] for u in updates] == [
            "<p>Cut 2 is uploaded</p>",
            "<p>Bea Ross (in Asana): Subtitles: EN &amp; DE<br>please</p>"]
        assert updates[1]["creator_id"] == monday.me["id"]
        assert await _settle(rt) == 0
        await rt.aclose()
