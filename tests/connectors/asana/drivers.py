"""Building Asana connectors against a running sandbox, for the connector's tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from connectors.asana.config import AsanaConfig
from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from hub.sdk.config import WebhookConfig
from hub.sdk.connector import RemoteRecord
from hub.testing.conformance import SandboxDriver
from tests.connectors.asana.conftest import TOKEN

SECRET = "asana-hook-secret-1"


def asana_config(url: str, projects: list[str], token: str = TOKEN,
                 **overrides: Any) -> AsanaConfig:
    """A connector config for the sandbox at `url`."""
    settings: dict[str, Any] = {"base_url": url, "token": SecretStr(token),
                                "projects": projects, "max_retries": 2,
                                "webhook": WebhookConfig(secret=SecretStr(SECRET))}
    settings.update(overrides)
    return AsanaConfig(**settings)


class AsanaDriver(SandboxDriver):
    """Acts as a person in the Asana sandbox for the conformance suite."""

    creatable_type = "task"
    deletes_in_poll = True

    def __init__(self, sandbox: AsanaSandbox, url: str, project: str,
                 target: str | None = None) -> None:
        self.sandbox, self.url, self.project, self.target = sandbox, url, project, target

    def connector(self) -> AsanaConnector:
        return AsanaConnector("mkt-asana", asana_config(self.url, [self.project]))

    def connector_with_bad_credentials(self) -> AsanaConnector:
        return AsanaConnector("mkt-asana", asana_config(self.url, [self.project],
                                                        token="wrong-pat"))

    def user_create(self) -> str:
        return str(self.sandbox.create_task(self.project, "Draft the campaign brief")["gid"])

    def user_comment(self, remote_id: str, text: str) -> str:
        return self.sandbox.add_comment(remote_id, text)

    def user_edit(self, remote_id: str) -> None:
        self.sandbox.update_task(remote_id, name="Final campaign brief")

    def user_delete(self, remote_id: str) -> None:
        self.sandbox.delete_task(remote_id)

    def webhook_target(self) -> str | None:
        return self.target

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        import hashlib
        import hmac
        import json

        body = json.dumps({"events": [{"action": "changed", "resource": {
            "gid": remote_id, "resource_type": "task"}}]}).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return {"X-Hook-Signature": digest}, body

    def push_patch(self) -> Mapping[str, Any]:
        return {"name": "Written by the hub", "status": "Doing"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return bool(record.payload["name"] == patch["name"]
                    and record.payload["status"] == patch["status"])

    def create_values(self) -> Mapping[str, Any]:
        return {"name": "Mirrored from Jira", "status": "Doing", "custom.jira_key": "RD-9"}
