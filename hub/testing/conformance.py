"""The conformance suite every connector runs against its sandbox.

A connector's tests subclass `ConnectorConformance` and provide one fixture, `driver`, that
returns a `SandboxDriver` for a running sandbox (over real HTTP for the real connectors):

    class TestJiraConformance(ConnectorConformance):
        @pytest.fixture
        def driver(self, jira_sandbox): return JiraDriver(jira_sandbox)

The suite checks the contract the engine relies on, not the tool's features. A driver says
what its tool can't do by leaving a method at its default (the test is skipped, with why);
`hub.testing.fake.FakeDriver` is a complete example.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    WebhookTarget,
)
from hub.testing.comment_conformance import CommentConformance


class SandboxDriver:
    """What the suite needs to act as a person in the tool and to build connectors. Subclass
    it; the methods left at their defaults skip the tests that need them."""

    #: a remote type the connector can create, or None if it never creates
    creatable_type: str | None = None
    #: True for tools the hub only reads (HR): every push is refused as `Permanent`
    read_only: bool = False
    #: True when a poll from a cursor reports objects deleted since (an events feed, a scan)
    deletes_in_poll: bool = False
    #: the public URL `signed_webhook` deliveries were sent to (tools that sign it: Trello)
    webhook_url: str = ""
    #: False for tools whose signature doesn't cover the body (monday.com's JWT): the hub
    #: then reads the records a delivery names back from the tool instead of trusting it
    signs_body: bool = True

    def connector(self) -> Connector[ConnectorConfig]:
        """A connector with valid credentials."""
        raise NotImplementedError

    def connector_with_bad_credentials(self) -> Connector[ConnectorConfig]:
        """The same connector with a wrong secret."""
        raise NotImplementedError

    def user_create(self) -> str:
        """Create an object in scope as a person would; return its remote id."""
        raise NotImplementedError

    def user_edit(self, remote_id: str) -> None:
        """Change the object as a person would."""
        raise NotImplementedError

    def user_delete(self, remote_id: str) -> None:
        """Delete the object as a person would. Default: the tool can't (tests skip)."""
        pytest.skip("the driver can't delete objects")

    def signed_webhook(self, remote_id: str) -> tuple[dict[str, str], bytes] | None:
        """An authentic webhook delivery about the object, or None if the tool has none."""
        return None

    def webhook_target(self) -> str | None:
        """A URL the tool can register webhooks to (one that answers its handshake), or None
        when the connector registers none."""
        return None

    def push_patch(self) -> Mapping[str, Any]:
        """A patch the connector can write (remote field paths -> values)."""
        raise NotImplementedError

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        """True when `record` shows `patch`."""
        raise NotImplementedError

    def user_comment(self, remote_id: str, text: str) -> str:
        """Comment on the object as a person would; the comment's id. Default: the tool
        can't (the comment tests that need it skip)."""
        pytest.skip("the driver can't comment as a person")

    def create_values(self) -> Mapping[str, Any]:
        """Values for `create` of `creatable_type`."""
        raise NotImplementedError


async def poll_all(connector: Connector[ConnectorConfig],
                   cursor: str | None) -> tuple[list[RemoteRecord], str | None]:
    """Every record of one poll, and the cursor it ended at."""
    records: list[RemoteRecord] = []
    async for page in connector.poll(cursor):
        records += page.records
        cursor = page.cursor if page.cursor is not None else cursor
    return records, cursor


@pytest.mark.anyio
class ConnectorConformance(CommentConformance):
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
        url = getattr(driver, "webhook_url", "")
        connector.verify_webhook(headers, body, url=url)
        if getattr(driver, "signs_body", True):
            with pytest.raises(WebhookRejected):
                connector.verify_webhook(headers, body + b" ", url=url)
        else:
            assert connector.parse_webhook(headers, body).needs_fetch, \
                "a delivery whose body is not signed must be read back from the tool"
        with pytest.raises(WebhookRejected):
            connector.verify_webhook({}, body, url=url)

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


    async def test_fetch_of_a_deleted_object_is_a_tombstone(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        remote_id = driver.user_create()
        records, _ = await poll_all(connector, None)
        remote_type = next(r.remote_type for r in records if r.remote_id == remote_id)
        _delete(driver, remote_id)
        try:
            found = await connector.fetch(remote_type, [remote_id])
        except NotImplementedError:
            pytest.skip("this connector can't fetch single records")
        assert [(r.remote_id, r.deleted) for r in found] in ([], [(remote_id, True)]), \
            "a deleted object must come back as a tombstone (deleted=True) or not at all"

    async def test_poll_from_cursor_reports_deletions(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        if not getattr(driver, "deletes_in_poll", False):
            pytest.skip("this tool's polls don't report deletions (the delete scan does)")
        remote_id = driver.user_create()
        _, cursor = await poll_all(connector, None)
        _delete(driver, remote_id)
        later, _ = await poll_all(connector, cursor)
        mine = [r for r in later if r.remote_id == remote_id]
        assert mine, "a deletion after the cursor was not reported"
        assert mine[-1].deleted

    async def test_list_ids_names_live_objects_only(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        kept, gone = driver.user_create(), driver.user_create()
        records, _ = await poll_all(connector, None)
        remote_type = next(r.remote_type for r in records if r.remote_id == kept)
        _delete(driver, gone)
        try:
            ids = await connector.list_ids(remote_type)
        except NotImplementedError:
            pytest.skip("this connector can't list ids")
        assert kept in ids
        assert gone not in ids

    async def test_webhook_registration_is_idempotent(
            self, driver: SandboxDriver, connector: Connector[ConnectorConfig]) -> None:
        target = driver.webhook_target() if hasattr(driver, "webhook_target") else None
        if target is None:
            pytest.skip("this connector registers no webhooks")
        url = target

        async def one_time() -> str:  # the sandbox's receiver takes any handshake
            return url

        first = await connector.register_webhooks(WebhookTarget(url, one_time))
        again = await connector.register_webhooks(WebhookTarget(url, one_time))
        assert first >= 1, "the first registration created no webhook"
        assert again == 0, "registering again created another webhook"


def _delete(driver: SandboxDriver, remote_id: str) -> None:
    if not hasattr(driver, "user_delete"):
        pytest.skip("the driver can't delete objects")
    driver.user_delete(remote_id)


def _secret_values(config: ConnectorConfig) -> list[str]:
    return [v.get_secret_value() for v in vars(config).values() if isinstance(v, SecretStr)]
