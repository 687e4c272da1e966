"""The conformance suite every connector runs against its sandbox.

A connector's tests subclass `ConnectorConformance` and provide one fixture, `driver`, that
returns a `SandboxDriver` for a running sandbox (over real HTTP for the real connectors):

    class TestJiraConformance(ConnectorConformance):
        @pytest.fixture
        def driver(self, jira_sandbox): return JiraDriver(jira_sandbox)

The suite checks the contract the engine relies on, not the tool's features.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pytest
from pydantic import SecretStr

from hub.errors import AuthenticationFailed, Permanent
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import (
    Connector,
    LinkRef,
    RemoteRecord,
    WebhookMalformed,
    WebhookRejected,
)


class SandboxDriver(Protocol):
    """What the suite needs to act as a person in the tool and to build connectors."""

    #: a remote type the connector can create, or None if it never creates
    creatable_type: str | None
    #: True for tools the hub only reads (HR): every push is refused as `Permanent`
    read_only: bool

    def connector(self) -> Connector[ConnectorConfig]:
        """A connector with valid credentials."""

    def connector_with_bad_credentials(self) -> Connector[ConnectorConfig]:
        """The same connector with a wrong secret."""

    def user_create(self) -> str:
        """Create an object in scope as a person would; return its remote id."""

    def user_edit(self, remote_id: str) -> None:
        """Change the object as a person would."""

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        """An authentic webhook delivery about the object, or None if the tool has none."""

    def push_patch(self) -> Mapping[str, Any]:
        """A patch the connector can write (remote field paths -> values)."""

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        """True when `record` shows `patch`."""

    def create_values(self) -> Mapping[str, Any]:
        """Values for `create` of `creatable_type`."""


async def poll_all(connector: Connector[ConnectorConfig],
                   cursor: str | None) -> tuple[list[RemoteRecord], str | None]:
    """Every record of one poll, and the cursor it ended at."""
    records: list[RemoteRecord] = []
    async for page in connector.poll(cursor):
        records += page.records
        cursor = page.cursor if page.cursor is not None else cursor
    return records, cursor


@pytest.mark.anyio
class ConnectorConformance:
    """The contract every connector keeps. Subclass it and provide the `driver` fixture."""

    @pytest.fixture
    async def connector(self, driver: SandboxDriver) -> Any:
        connector = driver.connector()
        yield connector
        await connector.aclose()

    async def test_check_passes_with_valid_credentials(
            self, connector: Connector[ConnectorConfig]) -> None:
        result = await connector.check()
        assert result.ok, result.detail

    async def test_check_refuses_bad_credentials_without_echoing_them(
            self, driver: SandboxDriver) -> None:
        connector = driver.connector_with_bad_credentials()
        try:
            with pytest.raises(AuthenticationFailed) as info:
                await connector.check()
            for secret in _secret_values(connector.config):
                assert secret not in str(info.value)
        finally:
            await connector.aclose()

    async def test_full_poll_returns_created_objects_with_times(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        remote_id = driver.user_create()
        records, cursor = await poll_all(connector, None)
        found = [r for r in records if r.remote_id == remote_id]
        assert found, f"{remote_id} missing from a full poll"
        assert found[0].remote_type in connector.remote_types
        assert found[0].updated_at is not None
        assert found[0].updated_at.tzinfo is not None
        assert cursor is not None

    async def test_poll_from_cursor_returns_later_changes(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        remote_id = driver.user_create()
        first, cursor = await poll_all(connector, None)
        before = next(r for r in first if r.remote_id == remote_id)
        driver.user_edit(remote_id)
        later, _ = await poll_all(connector, cursor)
        changed = [r for r in later if r.remote_id == remote_id]
        assert changed, "an edit after the cursor was not returned"
        assert changed[-1].updated_at
        assert before.updated_at
        assert changed[-1].updated_at >= before.updated_at

    async def test_webhook_signature_is_verified(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        delivery = driver.signed_webhook(driver.user_create())
        if delivery is None:
            pytest.skip("this tool sends no webhooks")
        headers, body = delivery
        connector.verify_webhook(headers, body)
        with pytest.raises(WebhookRejected):
            connector.verify_webhook(headers, body + b" ")
        with pytest.raises(WebhookRejected):
            connector.verify_webhook({}, body)

    async def test_webhook_delivery_id_is_stable(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        remote_id = driver.user_create()
        delivery = driver.signed_webhook(remote_id)
        if delivery is None:
            pytest.skip("this tool sends no webhooks")
        headers, body = delivery
        first = connector.parse_webhook(headers, body)
        again = connector.parse_webhook(dict(headers), bytes(body))
        assert first.delivery_id == again.delivery_id
        assert remote_id in {r.remote_id for r in first.records}

    @pytest.mark.parametrize("malformed", [b"not json", b"[]", b"{}", b"[" * 100_000],
                             ids=["text", "list", "empty", "deep"])
    async def test_a_body_the_tool_does_not_send_is_malformed(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig],
            malformed: bytes) -> None:
        delivery = driver.signed_webhook(driver.user_create())
        if delivery is None:
            pytest.skip("this tool sends no webhooks")
        # The hub answers 400 and stores nothing: never a crash, never a delivery of nothing.
        with pytest.raises(WebhookMalformed):
            connector.parse_webhook(delivery[0], malformed)

    async def test_push_writes_the_patch(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        if getattr(driver, "read_only", False):
            pytest.skip("the hub never writes to this tool")
        remote_id = driver.user_create()
        records, _ = await poll_all(connector, None)
        record = next(r for r in records if r.remote_id == remote_id)
        patch = driver.push_patch()
        written = await connector.push(LinkRef(record.remote_type, remote_id, {}), patch)
        assert written.remote_id == remote_id
        assert driver.patch_applied(written, patch)

    async def test_push_to_a_missing_object_is_permanent(
            self, connector: Connector[ConnectorConfig], driver: SandboxDriver) -> None:
        remote_type = next(iter(connector.remote_types))
        with pytest.raises(Permanent):
            await connector.push(LinkRef(remote_type, "does-not-exist-404", {}),
                                 driver.push_patch())

    async def test_a_read_only_tool_refuses_every_push(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        if not getattr(driver, "read_only", False):
            pytest.skip("the hub writes to this tool")
        remote_id = driver.user_create()
        records, _ = await poll_all(connector, None)
        record = next(r for r in records if r.remote_id == remote_id)
        with pytest.raises(Permanent):
            await connector.push(LinkRef(record.remote_type, remote_id, {}), driver.push_patch())

    async def test_create_is_findable_by_hub_id(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        if driver.creatable_type is None:
            pytest.skip("this connector never creates remote objects")
        hub_id = "01TESTHUBID0000000000000001"[:26]
        assert await connector.find_by_hub_id(driver.creatable_type, hub_id) is None
        created = await connector.create(driver.creatable_type, hub_id, driver.create_values())
        found = await connector.find_by_hub_id(driver.creatable_type, hub_id)
        assert found is not None
        assert found.remote_id == created.remote_id


def _secret_values(config: ConnectorConfig) -> list[str]:
    return [v.get_secret_value() for v in vars(config).values() if isinstance(v, SecretStr)]
