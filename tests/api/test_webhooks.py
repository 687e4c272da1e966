"""`POST /webhooks/{connector_id}`: a delivery is acknowledged once it is stored, exactly once;
forged, unknown and oversized ones are refused with a problem answer and leave nothing behind."""

from __future__ import annotations

import socket
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.api import webhooks
from hub.api.app import create_app
from hub.store.sync import InboxItem, InboxState
from hub.testing.fake import SIGNATURE_HEADER, FakeTool
from hub.testing.server import serve
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.wait import until

MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}


@pytest.fixture
def tools() -> dict[str, FakeTool]:
    return fake_tools(["a", "b"])


@pytest.fixture
def client(engine: Engine, tools: dict[str, FakeTool]) -> Iterator[TestClient]:
    app = create_app(fake_config(tools, MIRROR), engine, fake_registry(), background=False)
    with TestClient(app) as client:
        yield client


def _delivery(tool: FakeTool, title: str = "Spec") -> tuple[dict[str, str], bytes]:
    tool.user_create({"title": title, "status": "To do"})
    return tool.outbox[-1]


def _stored(engine: Engine) -> list[InboxItem]:
    with Session(engine) as session:
        return list(session.scalars(select(InboxItem)))


def _count(engine: Engine) -> int:
    return len(_stored(engine))


def test_a_signed_delivery_is_accepted_and_stored_once(
        client: TestClient, engine: Engine, tools: dict[str, FakeTool]) -> None:
    headers, body = _delivery(tools["a"])

    first = client.post("/webhooks/a", content=body, headers=headers)
    again = client.post("/webhooks/a", content=body, headers=headers)

    assert first.status_code == 202
    assert first.json() == {"status": "accepted"}
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    [item] = _stored(engine)
    assert item.connector_id == "a"
    assert item.body == body
    assert item.state is InboxState.pending  # processed later, by the workers
    assert SIGNATURE_HEADER not in item.headers  # signatures are never kept


@pytest.mark.parametrize("signature", ["sha256=" + "0" * 64, None], ids=["forged", "missing"])
def test_a_delivery_without_a_valid_signature_is_refused(
        client: TestClient, engine: Engine, tools: dict[str, FakeTool],
        signature: str | None) -> None:
    headers, body = _delivery(tools["a"])
    headers = {k: v for k, v in headers.items() if k != SIGNATURE_HEADER}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature

    answer = client.post("/webhooks/a", content=body, headers=headers)

    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "missing or invalid signature"
    assert _count(engine) == 0


def test_a_delivery_for_an_unknown_connector_is_404(
        client: TestClient, engine: Engine, tools: dict[str, FakeTool]) -> None:
    headers, body = _delivery(tools["a"])

    answer = client.post("/webhooks/nope", content=body, headers=headers)

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert "'nope'" in answer.json()["detail"]
    assert _count(engine) == 0


def test_a_body_over_the_limit_is_413(
        client: TestClient, engine: Engine, tools: dict[str, FakeTool]) -> None:
    body = b"x" * (webhooks.MAX_BODY + 1)
    headers = tools["a"].sign(body, "big-1")  # authentic, just too large

    answer = client.post("/webhooks/a", content=body, headers=headers)

    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert _count(engine) == 0


@pytest.mark.anyio
async def test_an_oversized_upload_without_a_length_is_not_read_to_the_end(
        engine: Engine, tools: dict[str, FakeTool]) -> None:
    # Straight through ASGI: the test client would buffer the whole upload before sending it.
    app = create_app(fake_config(tools), engine, fake_registry())
    chunk, sent, answer = b"x" * 65536, [0], []

    async def receive() -> dict[str, Any]:  # chunked: no Content-Length to refuse it by
        sent[0] += len(chunk)
        return {"type": "http.request", "body": chunk,
                "more_body": sent[0] < 4 * webhooks.MAX_BODY}

    async def send(message: MutableMapping[str, Any]) -> None:
        answer.append(message)

    await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
               "method": "POST", "scheme": "http", "path": "/webhooks/a",
               "raw_path": b"/webhooks/a", "query_string": b"", "root_path": "",
               "headers": [(b"transfer-encoding", b"chunked")],
               "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}, receive, send)

    assert answer[0]["status"] == 413
    assert sent[0] <= webhooks.MAX_BODY + len(chunk)
    assert _count(engine) == 0


def test_with_background_workers_a_delivery_reaches_the_other_tool(
        engine: Engine, tools: dict[str, FakeTool]) -> None:
    app = create_app(fake_config(tools, MIRROR), engine, fake_registry(), background=True)
    with TestClient(app) as client:
        headers, body = _delivery(tools["a"], "Launch plan")

        answer = client.post("/webhooks/a", content=body, headers=headers)

        assert answer.status_code == 202
        until(lambda: [o.fields.get("title") for o in list(tools["b"].objects.values())]
              == ["Launch plan"], "the delivered task is mirrored to b")
        until(lambda: [i.state for i in _stored(engine)] == [InboxState.processed],
              "the delivery is marked processed")
        assert list(app.state.runner.errors) == []


def test_a_tool_hanging_up_mid_delivery_stores_nothing_and_logs_no_error(
        engine: Engine, tools: dict[str, FakeTool], caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(fake_config(tools, MIRROR), engine, fake_registry(), background=False)
    with serve(app) as server, caplog.at_level("INFO"):
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(b"POST /webhooks/a HTTP/1.1\r\nHost: hub\r\nContent-Type: "
                         b"application/json\r\nContent-Length: 1000\r\n\r\n{\"half\": ")
        until(lambda: "disconnected mid-request" in caplog.text, "the hang-up was noticed")

    assert _count(engine) == 0
    assert "Traceback" not in caplog.text
    assert "unhandled error" not in caplog.text


def test_a_callback_check_by_head_or_get_is_answered(client: TestClient) -> None:
    # Trello and Smartsheet create a webhook only after the callback URL answers them.
    assert client.head("/webhooks/a").status_code == 200
    assert client.get("/webhooks/a").status_code == 200
    assert client.head("/webhooks/nobody").status_code == 404


def test_the_connector_verifies_against_the_public_url(
        engine: Engine, tools: dict[str, FakeTool], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def verify(self: Any, headers: Any, body: bytes, *, url: str = "") -> None:
        seen.append(url)

    monkeypatch.setattr("hub.testing.fake.FakeConnector.verify_webhook", verify)
    config = fake_config(tools, MIRROR)
    config = config.model_copy(update={"server": config.server.model_copy(
        update={"public_url": "https://hub.acme.example/"})})
    app = create_app(config, engine, fake_registry(), background=False)
    headers, body = _delivery(tools["a"])
    with TestClient(app) as hub:
        hub.post("/webhooks/a?token=t1", content=body, headers=headers)

    # Behind a proxy the hub sees another host: the tool signed the URL it was given.
    assert seen == ["https://hub.acme.example/webhooks/a?token=t1"]
