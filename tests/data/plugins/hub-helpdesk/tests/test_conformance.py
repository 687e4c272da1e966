"""Helpdesk passes the hub's conformance suite against its sandbox, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from hub_helpdesk import HelpdeskConnector
from hub_helpdesk.sandbox import SIGNATURE, HelpdeskSandbox
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector, RemoteRecord
from hub.testing.conformance import ConnectorConformance, SandboxDriver
from hub.testing.server import RunningServer, serve

SECRET = "helpdesk-webhook-secret"


class HelpdeskDriver(SandboxDriver):
    """Acts as a person in the Helpdesk sandbox."""

    creatable_type = "ticket"

    def __init__(self, sandbox: HelpdeskSandbox, url: str, target: str) -> None:
        self.sandbox, self.url, self.target = sandbox, url, target

    def _config(self, token: str) -> ConnectorConfig:
        return HelpdeskConnector.config_model.model_validate({
            "base_url": self.url, "token": SecretStr(token),
            "webhook": {"secret": SecretStr(SECRET)}})

    def connector(self) -> Connector[ConnectorConfig]:
        return HelpdeskConnector("helpdesk", self._config(self.sandbox.token))

    def connector_with_bad_credentials(self) -> Connector[ConnectorConfig]:
        return HelpdeskConnector("helpdesk", self._config("wrong-token"))

    def user_create(self) -> str:
        return str(self.sandbox.create_ticket("Printer on fire")["id"])

    def user_edit(self, remote_id: str) -> None:
        self.sandbox.update_ticket(remote_id, status="closed")

    def user_delete(self, remote_id: str) -> None:
        self.sandbox.delete_ticket(remote_id)

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        body = b'{"id": "1", "type": "ticket.updated", "ticket_id": "%s"}' % remote_id.encode()
        return SIGNATURE.sign(SECRET, body), body

    def webhook_target(self) -> str | None:
        return self.target

    def push_patch(self) -> Mapping[str, Any]:
        return {"title": "Written by the hub", "status": "blocked"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return all(record.payload.get(k) == v for k, v in patch.items())

    def create_values(self) -> Mapping[str, Any]:
        return {"title": "Mirrored from another tool", "status": "open"}


@pytest.fixture
def sandbox_server() -> Iterator[tuple[HelpdeskSandbox, RunningServer]]:
    sandbox = HelpdeskSandbox()
    with serve(sandbox.app) as running:
        yield sandbox, running


@pytest.fixture
def target() -> Iterator[str]:
    """Where webhooks go (any URL that answers)."""
    app = FastAPI()

    @app.post("/hook")
    async def hook() -> dict[str, str]:
        return {}

    with serve(app) as running:
        yield f"{running.url}/hook"


class TestHelpdeskConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, sandbox_server: tuple[HelpdeskSandbox, RunningServer],
               target: str) -> HelpdeskDriver:
        sandbox, running = sandbox_server
        return HelpdeskDriver(sandbox, running.url, target)
