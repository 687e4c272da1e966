"""Building Jira connectors against a running sandbox, for the connector's tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from connectors.jira.config import JiraConfig
from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.sdk.config import WebhookConfig
from hub.sdk.connector import RemoteRecord
from hub.testing.conformance import SandboxDriver
from tests.connectors.jira.conftest import EMAIL, TOKEN

SECRET = "jira-webhook-secret-123"


def jira_config(url: str, token: str = TOKEN, **overrides: Any) -> JiraConfig:
    """A connector config for the sandbox at `url`, scoped to project RD."""
    settings: dict[str, Any] = {
        "base_url": url, "email": EMAIL, "api_token": SecretStr(token), "jql": "project = RD",
        "create_project": "RD", "webhook": WebhookConfig(secret=SecretStr(SECRET)),
        "max_retries": 2}
    settings.update(overrides)
    return JiraConfig(**settings)


class JiraDriver(SandboxDriver):
    """Acts as a person in the Jira sandbox for the conformance suite."""

    creatable_type = "issue"

    def __init__(self, sandbox: JiraSandbox, url: str) -> None:
        self.sandbox, self.url = sandbox, url
        self.keys: dict[str, str] = {}
        sandbox.webhooks.pause()  # deliveries stay queued: the suite reads them
        self.hook = sandbox.state.webhooks.get(int(sandbox.register_webhook(
            "http://127.0.0.1:9/unused", SECRET)))

    def connector(self) -> JiraConnector:
        return JiraConnector("rd-jira", jira_config(self.url))

    def connector_with_bad_credentials(self) -> JiraConnector:
        return JiraConnector("rd-jira", jira_config(self.url, token="wrong-token"))

    def user_create(self) -> str:
        issue = self.sandbox.create_issue("RD", "Draft the press release")
        self.keys[str(issue["id"])] = issue["key"]
        return str(issue["id"])

    def user_edit(self, remote_id: str) -> None:
        self.sandbox.edit_issue(self.keys[remote_id], summary="Final press release")

    def user_delete(self, remote_id: str) -> None:
        self.sandbox.delete_issue(self.keys[remote_id])

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        key = self.keys[remote_id]
        delivery = [d for d in self.sandbox.webhooks.pending() if d.issue_key == key][-1]
        assert self.hook is not None
        return self.sandbox.webhooks.headers(self.hook, delivery), delivery.body

    def user_comment(self, remote_id: str, text: str) -> str:
        return self.sandbox.add_comment(self.keys[remote_id], text)

    def push_patch(self) -> Mapping[str, Any]:
        return {"fields.summary": "Written by the hub", "fields.labels": ["launch"]}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        fields = record.payload["fields"]
        return bool(fields["summary"] == patch["fields.summary"]
                    and fields["labels"] == patch["fields.labels"])

    def create_values(self) -> Mapping[str, Any]:
        return {"fields.summary": "Mirrored from Asana", "fields.status.name": "In Progress"}
