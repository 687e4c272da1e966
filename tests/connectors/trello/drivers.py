"""Building Trello connectors against a running sandbox, for the conformance suite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from connectors.trello import TrelloConnector
from connectors.trello.sandbox import TrelloSandbox
from connectors.trello.sandbox.app import SIGNATURE
from hub.sdk.config import ConnectorConfig, WebhookConfig
from hub.sdk.connector import Connector, RemoteRecord
from hub.testing.conformance import SandboxDriver
from tests.connectors.trello.conftest import SECRET

MEMBERS = {"boprint": "bo.print@aurora.example"}


def trello_config(url: str, board: str, token: str = "trello-token",
                  **overrides: Any) -> ConnectorConfig:
    """A connector config for the sandbox at `url`."""
    settings: dict[str, Any] = {
        "base_url": f"{url}/1", "api_key": SecretStr("trello-key"), "token": SecretStr(token),
        "board": board, "members": MEMBERS, "webhook": WebhookConfig(secret=SecretStr(SECRET))}
    return TrelloConnector.config_model(**{**settings, **overrides})


class TrelloDriver(SandboxDriver):
    """Acts as a designer in the Trello sandbox."""

    creatable_type = "card"
    deletes_in_poll = True
    webhook_url = "https://hub.example/webhooks/design-trello"

    def __init__(self, sandbox: TrelloSandbox, url: str, target: str | None = None) -> None:
        self.sandbox, self.url, self.target = sandbox, url, target

    def connector(self) -> Connector[ConnectorConfig]:
        return TrelloConnector("design-trello", trello_config(self.url, self.sandbox.board["id"]))

    def connector_with_bad_credentials(self) -> Connector[ConnectorConfig]:
        return TrelloConnector("design-trello", trello_config(
            self.url, self.sandbox.board["id"], token="wrong-token"))

    def user_create(self) -> str:
        return str(self.sandbox.create_card("Launch poster", actor="ana.design@aurora.example",
                                            members=["ana.design@aurora.example"])["id"])

    def user_comment(self, remote_id: str, text: str) -> str:
        return self.sandbox.add_comment(remote_id, text, actor="ana.design@aurora.example")

    def user_edit(self, remote_id: str) -> None:
        self.sandbox.update_card(remote_id, list_name="Doing", name="Launch poster, v2")

    def user_delete(self, remote_id: str) -> None:
        self.sandbox.delete_card(remote_id)

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        body = (b'{"action":{"id":"5f0000000000000000000abc","type":"updateCard",'
                b'"data":{"card":{"id":"' + remote_id.encode() + b'"}}}}')
        return SIGNATURE.sign(SECRET, body, url=self.webhook_url), body

    def webhook_target(self) -> str | None:
        return self.target

    def push_patch(self) -> Mapping[str, Any]:
        done = self.sandbox.lists.find(name="Done")
        assert done is not None
        return {"name": "Written by the hub", "idList": done["id"]}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return all(record.payload.get(k) == v for k, v in patch.items())

    def create_values(self) -> Mapping[str, Any]:
        return {"name": "Mirrored from Jira", "desc": "From R&D"}
