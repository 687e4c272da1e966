"""An example `SandboxDriver`: the conformance suite's hands in the test kit's `FakeTool`.

A connector's own driver follows the same shape against its sandbox over HTTP:

    class TestAcmeConformance(ConnectorConformance):
        @pytest.fixture
        def driver(self) -> FakeDriver:
            return FakeDriver()
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from hub.sdk.connector import RemoteRecord
from hub.testing.conformance import SandboxDriver
from hub.testing.fake import FakeConfig, FakeConnector, FakeTool
from hub.testing.fake_comments import user_comment

_names = itertools.count()


class FakeDriver(SandboxDriver):
    """Acts as a person in a `FakeTool` and builds connectors for it."""

    creatable_type = "item"
    deletes_in_poll = True

    def __init__(self) -> None:
        self.tool = FakeTool(name=f"conformance-{next(_names)}")

    def _connector(self, token: str) -> FakeConnector:
        return FakeConnector("fake-1", FakeConfig(tool=self.tool.name, token=SecretStr(token)))

    def connector(self) -> FakeConnector:
        return self._connector(self.tool.token)

    def connector_with_bad_credentials(self) -> FakeConnector:
        return self._connector("wrong-token")

    def user_create(self) -> str:
        return self.tool.user_create({"title": "Draft press release"}).remote_id

    def user_edit(self, remote_id: str) -> None:
        self.tool.user_edit(remote_id, title="Final press release")

    def user_comment(self, remote_id: str, text: str) -> str:
        return user_comment(self.tool, remote_id, text, "ana.lima@example.com").comment_id

    def user_delete(self, remote_id: str) -> None:
        self.tool.user_delete(remote_id)

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        return next((h, b) for h, b in reversed(self.tool.outbox) if remote_id.encode() in b)

    def push_patch(self) -> Mapping[str, Any]:
        return {"status": "Done"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return all(record.payload["fields"].get(k) == v for k, v in patch.items())

    def create_values(self) -> Mapping[str, Any]:
        return {"title": "Mirrored task"}
