"""The shared conformance suite, against the monday.com sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi import FastAPI, Request

from connectors.monday import MondayConnector
from connectors.monday.sandbox import MondaySandbox
from connectors.monday.sandbox.app import SIGNATURE
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector, RemoteRecord
from hub.testing.conformance import ConnectorConformance, SandboxDriver
from hub.testing.server import RunningServer, serve
from tests.connectors.monday.conftest import SECRET, monday_config


class MondayDriver(SandboxDriver):
    """Acts as a marketer on the monday.com board."""

    creatable_type = "item"
    signs_body = False  # monday's JWT names the app and the URL, not the body
    webhook_url = "https://hub.example/webhooks/mkt-monday"

    def __init__(self, sandbox: MondaySandbox, url: str, target: str) -> None:
        self.sandbox, self.url, self.target = sandbox, url, target

    def connector(self) -> Connector[ConnectorConfig]:
        return MondayConnector("mkt-monday", monday_config(self.url, self.sandbox.board["id"]))

    def connector_with_bad_credentials(self) -> Connector[ConnectorConfig]:
        return MondayConnector("mkt-monday", monday_config(self.url, self.sandbox.board["id"],
                                                           token="wrong"))

    def user_create(self) -> str:
        return str(self.sandbox.create_item("Launch video", status="Working on it",
                                            people=["mia.marketing@aurora.example"])["id"])

    def user_comment(self, remote_id: str, text: str) -> str:
        return self.sandbox.add_update(remote_id, text, author="mia.marketing@aurora.example")

    def user_edit(self, remote_id: str) -> None:
        self.sandbox.update_item(remote_id, name="Launch video, cut 2", status="Done")

    def user_delete(self, remote_id: str) -> None:
        self.sandbox.delete_item(remote_id)

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        body = (b'{"event":{"type":"update_column_value","triggerUuid":"t-1","pulseId":'
                + remote_id.encode() + b"}}")
        return SIGNATURE.sign(SECRET, {"aud": self.webhook_url}), body

    def webhook_target(self) -> str | None:
        return self.target

    def push_patch(self) -> Mapping[str, Any]:
        return {"name": "Written by the hub", "status": "Stuck", "date": "2026-12-24"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return all(record.payload.get(k) == v for k, v in patch.items())

    def create_values(self) -> Mapping[str, Any]:
        return {"name": "Mirrored from Jira", "status": "Not started"}


@pytest.fixture
def echo_target() -> Iterator[str]:
    """A webhook URL that echoes monday's challenge, as the hub does."""
    app = FastAPI()

    @app.post("/webhooks/mkt-monday")
    async def hook(request: Request) -> Any:
        return await request.json()

    with serve(app) as running:
        yield f"{running.url}/webhooks/mkt-monday"


class TestMondayConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, monday: MondaySandbox, monday_server: RunningServer,
               echo_target: str) -> MondayDriver:
        return MondayDriver(monday, monday_server.url, echo_target)
