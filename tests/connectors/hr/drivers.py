"""Building HR connectors against running sandboxes, for the HR tests."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from connectors.hr.bamboohr import BambooHRConnector
from connectors.hr.config import BambooHRConfig
from connectors.hr.sandbox import BambooHRSandbox
from connectors.hr.sandbox.webhooks import sign
from hub.sdk.config import WebhookConfig
from hub.sdk.connector import RemoteRecord
from hub.testing.conformance import SandboxDriver
from tests.connectors.hr.conftest import API_KEY

WEBHOOK_KEY = "bamboo-private-key-1"


def bamboo_config(url: str, api_key: str = API_KEY, **overrides: Any) -> BambooHRConfig:
    """A connector config for the sandbox at `url`."""
    settings: dict[str, Any] = {"base_url": url, "api_key": SecretStr(api_key),
                                "max_retries": 2,
                                "webhook": WebhookConfig(secret=SecretStr(WEBHOOK_KEY))}
    settings.update(overrides)
    return BambooHRConfig(**settings)


class BambooDriver(SandboxDriver):
    """Acts as HR in the BambooHR sandbox for the conformance suite."""

    creatable_type = None
    read_only = True

    def __init__(self, sandbox: BambooHRSandbox, url: str) -> None:
        self.sandbox, self.url = sandbox, url
        sandbox.webhooks.pause()  # deliveries stay queued: the suite reads them
        self.hook_id, _ = sandbox.register_webhook("http://127.0.0.1:9/unused",
                                                   private_key=WEBHOOK_KEY)
        self.made = 0

    def connector(self) -> BambooHRConnector:
        return BambooHRConnector("hr", bamboo_config(self.url))

    def connector_with_bad_credentials(self) -> BambooHRConnector:
        return BambooHRConnector("hr", bamboo_config(self.url, api_key="wrong-key"))

    def user_create(self) -> str:
        self.made += 1
        return str(self.sandbox.add_employee("Dev", f"Patel{self.made}",
                                             f"dev.patel{self.made}@example.com",
                                             department="Engineering", manager=101)["id"])

    def user_edit(self, remote_id: str) -> None:
        self.sandbox.update_employee(int(remote_id), department="Sales")

    def user_delete(self, remote_id: str) -> None:
        self.sandbox.delete_employee(int(remote_id))

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        delivery = [d for d in self.sandbox.webhooks.pending() if remote_id in d.employee_ids][-1]
        hook = self.sandbox.webhooks.get(self.hook_id)
        assert hook is not None
        stamp = str(int(time.time()))
        return {"X-BambooHR-Timestamp": stamp,
                "X-BambooHR-Signature": sign(hook.private_key, delivery.body, stamp)}, \
            delivery.body

    def push_patch(self) -> Mapping[str, Any]:
        return {"department": "Sales"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return False  # never: the hub doesn't write to HR

    def create_values(self) -> Mapping[str, Any]:
        return {}
