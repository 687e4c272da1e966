"""Asana webhooks in the sandbox: the `X-Hook-Secret` handshake while POST /webhooks is in
flight, signed compact-event deliveries, retries, pause/resume, listing and removal."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx

from connectors.asana.sandbox import AsanaSandbox
from tests.connectors.conftest import Receiver
from tests.wait import until


def _subscribe(client: httpx.Client, project_gid: str, target: str,
               **extra: Any) -> httpx.Response:
    return client.post("/webhooks", json={"data": {"resource": project_gid, "target": target,
                                                   **extra}})


def _events(receiver: Receiver) -> list[dict[str, Any]]:
    return [e for _, body in receiver.accepted for e in json.loads(body)["events"]]


def test_handshake_then_signed_deliveries(asana_http: httpx.Client, project: dict[str, Any],
                                          sandbox: AsanaSandbox,
                                          receiver: Callable[..., Receiver]) -> None:
    target = receiver()
    made = _subscribe(asana_http, project["gid"], target.url)
    assert made.status_code == 201
    hook = made.json()["data"]
    assert hook["active"] is True
    assert hook["resource"]["gid"] == project["gid"]
    assert made.json()["X-Hook-Secret"] == target.secret
    task = sandbox.create_task(project["gid"], "Schedule launch post")
    until(lambda: len(target.accepted) == 1, "the creation was delivered")
    headers, body = target.accepted[0]
    assert target.secret is not None
    expected = hmac.new(target.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-hook-signature"], expected)
    assert _events(target)[0]["resource"]["gid"] == task["gid"]
    assert _events(target)[0]["action"] == "added"

    listed = asana_http.get("/webhooks", params={"workspace": project["workspace"]["gid"]})
    assert [h["gid"] for h in listed.json()["data"]] == [hook["gid"]]
    assert asana_http.delete(f"/webhooks/{hook['gid']}").status_code == 200
    sandbox.update_task(task["gid"], notes="after removal")
    assert sandbox.webhooks.pending() == []
    assert asana_http.get("/webhooks", params={
        "workspace": project["workspace"]["gid"]}).json()["data"] == []


def test_failed_handshake_is_a_400(asana_http: httpx.Client, project: dict[str, Any],
                                   sandbox: AsanaSandbox,
                                   receiver: Callable[..., Receiver]) -> None:
    silent = receiver(echo=False)
    answer = _subscribe(asana_http, project["gid"], silent.url)
    assert answer.status_code == 400
    assert "handshake" in answer.json()["errors"][0]["message"]
    nobody = _subscribe(asana_http, project["gid"], "http://127.0.0.1:9/hook")
    assert nobody.status_code == 400
    assert sandbox.webhooks.hooks() == []


def test_undelivered_events_are_retried(asana_http: httpx.Client, project: dict[str, Any],
                                        sandbox: AsanaSandbox,
                                        receiver: Callable[..., Receiver]) -> None:
    flaky = receiver(fail_first=2)
    assert _subscribe(asana_http, project["gid"], flaky.url).status_code == 201
    sandbox.create_task(project["gid"], "Translate FAQ")
    hook = sandbox.webhooks.hooks()[0]
    until(lambda: hook.last_success_at is not None, "delivered on the third attempt")
    assert len(flaky.accepted) == 1
    assert len(flaky.attempts) == 3
    assert len({body for _, body in flaky.attempts}) == 1  # the same body every time


def test_retries_are_bounded(asana_http: httpx.Client, project: dict[str, Any],
                             sandbox: AsanaSandbox, receiver: Callable[..., Receiver]) -> None:
    down = receiver(fail_first=100)
    sandbox.webhooks.max_attempts = 3
    _subscribe(asana_http, project["gid"], down.url)
    sandbox.create_task(project["gid"], "Never arrives")
    until(lambda: len(sandbox.webhooks.failed) == 1, "the delivery was given up on")
    assert len(down.attempts) == 3
    assert down.accepted == []
    assert sandbox.webhooks.hooks()[0].last_failure_content == "HTTP 500"


def test_pause_holds_deliveries_and_filters_apply(asana_http: httpx.Client,
                                                  project: dict[str, Any],
                                                  sandbox: AsanaSandbox,
                                                  receiver: Callable[..., Receiver]) -> None:
    target = receiver()
    _subscribe(asana_http, project["gid"], target.url,
               filters=[{"resource_type": "task", "action": "changed"}])
    sandbox.webhooks.pause()
    task = sandbox.create_task(project["gid"], "Proofread deck")  # filtered out: "added"
    sandbox.update_task(task["gid"], completed=True)
    assert len(sandbox.webhooks.pending()) == 1
    hook = sandbox.webhooks.hooks()[0]
    delivery = sandbox.webhooks.pending()[0]
    assert set(sandbox.webhooks.headers(hook, delivery)) >= {"X-Hook-Signature"}
    sandbox.webhooks.resume()
    asyncio.run(sandbox.drain_webhooks(5.0))
    assert [(e["action"], e["change"]["field"]) for e in _events(target)] == [
        ("changed", "completed")]
