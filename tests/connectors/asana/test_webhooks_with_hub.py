"""Asana webhooks against a running hub: `hub serve` with a public URL registers a webhook per
project, answers the X-Hook-Secret handshake of its own registrations only (at a one-time
address, once), and takes signed deliveries; a forged one is refused and nothing is stored."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.asana.config import AsanaConfig
from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from hub.api.app import create_app
from hub.config.models import HubConfig, ServerConfig
from hub.model.enums import Entity
from hub.sdk.config import PollConfig
from hub.sdk.registry import Registry
from hub.store.sync import InboxItem, Link, WebhookSecret
from hub.sync.handshakes import PARAMETER, WINDOW, one_time_url
from hub.sync.records import RecordStore
from hub.testing.server import RunningServer, free_port, serve
from tests.wait import until


def _title(engine: Engine, gid: str) -> str | None:
    with Session(engine) as session:
        record_id = session.scalar(select(Link.record_id).where(Link.remote_id == gid))
        if record_id is None:
            return None
        store = RecordStore(session)
        return str(store.values(Entity.task, store.load(Entity.task, [record_id])[record_id])
                   ["title"])


def test_serve_registers_webhooks_and_takes_signed_deliveries(
        engine: Engine, sandbox: AsanaSandbox, sandbox_server: RunningServer,
        project: dict[str, Any]) -> None:
    gid = str(project["gid"])
    port = free_port()
    config = HubConfig(
        server=ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}"),
        connectors={"mkt-asana": AsanaConfig(
            base_url=sandbox_server.url, token=SecretStr("asana-pat"), projects=[gid],
            poll=PollConfig(enabled=False))})
    registry = Registry()
    registry.add(AsanaConnector)
    task = sandbox.create_task(gid, "Draft the newsletter")

    with serve(create_app(config, engine, registry, background=True), port=port) as hub:
        until(lambda: len(sandbox.webhooks.hooks()) == 1, "the hub registered its webhook")
        sandbox.update_task(task["gid"], name="Newsletter, final")
        until(lambda: _title(engine, str(task["gid"])) == "Newsletter, final",
              "the signed delivery reached the canonical store")

        body = (b'{"events": [{"action": "changed", '
                b'"resource": {"gid": "1", "resource_type": "task"}}]}')
        forged = hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
        answer = httpx.post(f"{hub.url}/webhooks/mkt-asana", content=body,
                            headers={"X-Hook-Signature": forged})

    assert answer.status_code == 401
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebhookSecret)) == 1
        stored = list(session.scalars(select(InboxItem.body)))
    assert body not in stored


def _asana_app(engine: Engine) -> TestClient:
    registry = Registry()
    registry.add(AsanaConnector)
    config = HubConfig(connectors={"mkt-asana": AsanaConfig(
        base_url="http://127.0.0.1:9", token=SecretStr("asana-pat"), projects=["1"],
        poll=PollConfig(enabled=False))})
    return TestClient(create_app(config, engine, registry, background=False))


def _secrets(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(WebhookSecret)) or 0)


def _handshake(client: TestClient, secret: str, token: str | None = None) -> httpx.Response:
    query = f"?{PARAMETER}={token}" if token is not None else ""
    answer: httpx.Response = client.post(f"/webhooks/mkt-asana{query}", content=b"",
                                         headers={"X-Hook-Secret": secret})
    return answer


def test_a_handshake_the_hub_did_not_ask_for_is_refused_and_logged(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"events": [{"action": "deleted", "resource": {"gid": "1", "resource_type": "task"}}]}'
    signed = {"X-Hook-Signature": hmac.new(b"chosen-by-them", body, hashlib.sha256).hexdigest()}
    with _asana_app(engine) as client, caplog.at_level("WARNING"):
        anyone = _handshake(client, "chosen-by-them")
        guessed = _handshake(client, "chosen-by-them", token="guessed-token")
        delivery = client.post("/webhooks/mkt-asana", content=body, headers=signed)

    for answer in (anyone, guessed):
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert "x-hook-secret" not in answer.headers
    assert delivery.status_code == 401  # no secret was agreed, so nothing signed with it counts
    assert _secrets(engine) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2
    assert all("refused a webhook handshake for mkt-asana" in w for w in warnings)
    assert "chosen-by-them" not in caplog.text
    assert "guessed-token" not in caplog.text


def test_a_registration_token_is_taken_once_and_only_while_fresh(engine: Engine) -> None:
    with _asana_app(engine) as client:
        rt = client.app.state.runtime  # type: ignore[attr-defined]
        now = [datetime(2026, 11, 22, 9, 0, tzinfo=UTC)]
        rt.clock = lambda: now[0]
        url = one_time_url(rt, "mkt-asana", "https://hub.example/webhooks/mkt-asana")
        token = url.partition(f"{PARAMETER}=")[2]

        first = _handshake(client, "secret-of-the-registration", token)
        replayed = _handshake(client, "secret-of-someone-else", token)
        late = one_time_url(rt, "mkt-asana", "https://hub.example/webhooks/mkt-asana")
        now[0] += WINDOW + timedelta(seconds=1)
        expired = _handshake(client, "secret-too-late", late.partition(f"{PARAMETER}=")[2])

    assert first.status_code == 200
    assert first.headers["x-hook-secret"] == "secret-of-the-registration"
    assert (replayed.status_code, expired.status_code) == (401, 401)
    assert _secrets(engine) == 1


def test_the_registered_address_is_spent_once_the_tool_shook_hands(
        engine: Engine, sandbox: AsanaSandbox, sandbox_server: RunningServer,
        project: dict[str, Any]) -> None:
    port = free_port()
    config = HubConfig(
        server=ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}"),
        connectors={"mkt-asana": AsanaConfig(
            base_url=sandbox_server.url, token=SecretStr("asana-pat"),
            projects=[str(project["gid"])], poll=PollConfig(enabled=False))})
    registry = Registry()
    registry.add(AsanaConnector)

    with serve(create_app(config, engine, registry, background=True), port=port):
        until(lambda: len(sandbox.webhooks.hooks()) == 1, "the hub registered its webhook")
        [hook] = sandbox.webhooks.hooks()
        # Anyone who can list the project's webhooks sees this address.
        again = httpx.post(hook.target, content=b"", headers={"X-Hook-Secret": "mine-now"})

    assert PARAMETER in hook.target
    assert again.status_code == 401
    assert _secrets(engine) == 1
