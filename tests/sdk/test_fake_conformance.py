"""The shared conformance suite, run against the test kit's fake tool.

Each real connector runs the same suite against its sandbox over HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import SecretStr

from hub.sdk.connector import RemoteRecord
from hub.testing.conformance import ConnectorConformance
from hub.testing.fake import FakeConfig, FakeConnector, FakeTool

_names = itertools.count()


class FakeDriver:
    """Acts as a person in a `FakeTool` and builds connectors for it."""

    creatable_type = "item"

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

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        return next((h, b) for h, b in reversed(self.tool.outbox) if remote_id.encode() in b)

    def push_patch(self) -> Mapping[str, Any]:
        return {"status": "Done"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return all(record.payload["fields"].get(k) == v for k, v in patch.items())

    def create_values(self) -> Mapping[str, Any]:
        return {"title": "Mirrored task"}


class TestFakeConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self) -> FakeDriver:
        return FakeDriver()
