"""Asana webhooks against a running hub: `hub serve` with a public URL registers a webhook per
project, answers the X-Hook-Secret handshake, and takes signed deliveries; a forged one is
refused and nothing is stored."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.asana.config import AsanaConfig
from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from hub.api.app import create_app
from hub.config.models import HubConfig, ServerConfig
from hub.model.enums import Entity
from hub.sdk.config import PollConfig
from hub.sdk.registry import Registry
from hub.store.sync import InboxItem, Link, WebhookSecret
from hub.sync.records import RecordStore
from hub.testing.server import RunningServer, free_port, serve
from tests.wait import until


def _title(engine: Engine, gid: str) -> str | None:
    with Session(engine) as session:
        record_id = session.scalar(select(Link.record_id).where(Link.remote_id == gid))
        if record_id is None:
            return None
        store = RecordStore(session)
        return str(store.values(Entity.task, store.load(Entity.task, [record_id])[record_id])
                   ["title"])


def test_serve_registers_webhooks_and_takes_signed_deliveries(
        engine: Engine, sandbox: AsanaSandbox, sandbox_server: RunningServer,
        project: dict[str, Any]) -> None:
    gid = str(project["gid"])
    port = free_port()
    config = HubConfig(
        server=ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}"),
        connectors={"mkt-asana": AsanaConfig(
            base_url=sandbox_server.url, token=SecretStr("asana-pat"), projects=[gid],
            poll=PollConfig(enabled=False))})
    registry = Registry()
    registry.add(AsanaConnector)
    task = sandbox.create_task(gid, "Draft the newsletter")

    with serve(create_app(config, engine, registry, background=True), port=port) as hub:
        until(lambda: len(sandbox.webhooks.hooks()) == 1, "the hub registered its webhook")
        sandbox.update_task(task["gid"], name="Newsletter, final")
        until(lambda: _title(engine, str(task["gid"])) == "Newsletter, final",
              "the signed delivery reached the canonical store")

        body = (b'{"events": [{"action": "changed", '
                b'"resource": {"gid": "1", "resource_type": "task"}}]}')
        forged = hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
        answer = httpx.post(f"{hub.url}/webhooks/mkt-asana", content=body,
                            headers={"X-Hook-Signature": forged})

    assert answer.status_code == 401
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebhookSecret)) == 1
        stored = list(session.scalars(select(InboxItem.body)))
    assert body not in stored
