"""Asana deletes on the real engine against the sandbox: a validly signed "deleted" event for a
task that is still there (a leaked secret, a misrouted webhook) tombstones nothing, and a task
tombstoned that way before deletes were confirmed comes back with `hub sync --full`."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from hub.config.models import HubConfig
from hub.model.enums import Entity
from hub.sdk.connector import RemoteRecord
from hub.sdk.registry import Registry
from hub.store.canonical import Task
from hub.store.sync import Link
from hub.sync.deliveries import process_inbox_item
from hub.sync.inbound import Ingest
from hub.sync.inbox import receive
from hub.sync.jobs import poll_connector
from hub.sync.runtime import Runtime
from hub.testing.server import RunningServer
from tests.connectors.asana.drivers import SECRET, asana_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def rt(engine: Engine, sandbox_server: RunningServer, project: dict[str, Any]) -> Runtime:
    registry = Registry()
    registry.add(AsanaConnector)
    config = HubConfig(connectors={"mkt-asana": asana_config(sandbox_server.url,
                                                             [str(project["gid"])])})
    return Runtime(config, registry, engine)


def _state(rt: Runtime, gid: str) -> tuple[bool, bool]:
    """(link live, record live) of the task."""
    with rt.sessions() as session:
        link = session.scalars(select(Link).where(Link.remote_id == gid,
                                                  Link.entity == Entity.task)).one()
        task = session.get_one(Task, link.record_id)
        return link.deleted_at is None, task.deleted_at is None


async def test_a_signed_deleted_event_for_a_live_task_tombstones_nothing(
        rt: Runtime, sandbox: AsanaSandbox, project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Press kit")
    await poll_connector(rt, "mkt-asana")
    gid = str(task["gid"])
    body = json.dumps({"events": [{"action": "deleted", "resource": {
        "gid": gid, "resource_type": "task"}}]}).encode()
    signed = {"X-Hook-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}

    received = receive(rt, "mkt-asana", signed, body)
    assert received.item_id is not None
    tally = await process_inbox_item(rt, received.item_id)

    assert tally.deleted == 0
    assert _state(rt, gid) == (True, True)
    await rt.aclose()


async def test_a_full_sync_restores_a_task_tombstoned_on_a_forged_event(
        rt: Runtime, sandbox: AsanaSandbox, project: dict[str, Any]) -> None:
    task = sandbox.create_task(str(project["gid"]), "Press kit")
    await poll_connector(rt, "mkt-asana")
    gid = str(task["gid"])
    with rt.sessions.begin() as session:  # what a forged event did before deletes were read back
        Ingest(rt, session, "mkt-asana", delivery="forged").run(
            [RemoteRecord("task", gid, {}, deleted=True)])
    assert _state(rt, gid) == (False, False)

    tally = await poll_connector(rt, "mkt-asana", full=True)

    assert tally.restored == 1
    assert _state(rt, gid) == (True, True)
    await rt.aclose()
