"""Admin webhooks of the Jira sandbox: registered over REST or from Python, sent for the hub's
writes and a person's, signed with HMAC-SHA256, retried under a stable identifier, in order,
and held back while paused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer, free_port, serve
from tests.connectors.conftest import Receiver
from tests.wait import until

SECRET = "webhook-secret"


@pytest.fixture
def sandbox_server(sandbox: JiraSandbox) -> Iterator[RunningServer]:
    """The sandbox's own app, served directly: its lifespan runs the webhook sender."""
    with serve(sandbox.app) as running:
        yield running


def _events(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in receiver.accepted]


def test_writes_send_signed_webhooks(jira_http: httpx.Client, sandbox: JiraSandbox,
                                     receiver: Callable[..., Receiver]) -> None:
    hook = receiver()
    registered = jira_http.post("/rest/webhooks/1.0/webhook", json={
        "name": "hub", "url": hook.url, "secret": SECRET,
        "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]})
    assert registered.status_code == 201
    assert registered.json()["self"].endswith("/rest/webhooks/1.0/webhook/1")

    jira_http.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "RD"}, "summary": "From the hub",
        "description": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Body"}]}]}}})
    sandbox.edit_issue("RD-1", summary="Renamed by a person")
    until(lambda: len(hook.accepted) == 2, "two deliveries")

    for headers, body in hook.accepted:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-hub-signature"] == f"sha256={expected}"
        assert headers["x-atlassian-webhook-identifier"]
    created, updated = _events(hook)
    assert created["webhookEvent"] == "jira:issue_created"
    assert created["issue_event_type_name"] == "issue_created"
    assert created["user"]["emailAddress"] == "hub@example.com"
    assert created["issue"]["key"] == "RD-1"
    assert created["issue"]["fields"]["description"] == "Body"  # webhooks carry the v2 shape
    assert isinstance(created["timestamp"], int)
    assert updated["webhookEvent"] == "jira:issue_updated"
    assert updated["user"]["emailAddress"] == "alex.person@example.com"
    assert updated["changelog"]["items"] == [{
        "field": "summary", "fieldtype": "jira", "fieldId": "summary", "from": None,
        "fromString": "From the hub", "to": None, "toString": "Renamed by a person"}]


def test_a_failed_delivery_is_retried_under_the_same_identifier(
        sandbox_server: RunningServer, sandbox: JiraSandbox,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver(fail_first=1)
    sandbox.register_webhook(hook.url, SECRET)

    sandbox.create_issue("RD", "Spec")
    until(lambda: len(hook.accepted) == 1, "the retried delivery")

    (first_headers, first_body), (retry_headers, retry_body) = hook.attempts
    assert first_body == retry_body
    assert first_headers["x-atlassian-webhook-identifier"] == \
        retry_headers["x-atlassian-webhook-identifier"]
    assert retry_headers["x-atlassian-webhook-retry"] == "1"
    assert retry_headers["x-hub-signature"] == first_headers["x-hub-signature"]


def test_deliveries_keep_their_order_across_a_retry(
        sandbox_server: RunningServer, sandbox: JiraSandbox,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver(fail_first=1)
    sandbox.register_webhook(hook.url, None)

    sandbox.create_issue("RD", "Spec")
    sandbox.transition("RD-1", "In Review")
    asyncio.run(sandbox.drain_webhooks(10))

    kinds = [e["issue_event_type_name"] for e in _events(hook)]
    statuses = [e["issue"]["fields"]["status"]["name"] for e in _events(hook)]
    assert kinds == ["issue_created", "issue_generic", "issue_generic"]
    assert statuses == ["To Do", "In Progress", "In Review"]
    assert "x-hub-signature" not in hook.accepted[0][0]  # no secret, no signature


def test_paused_deliveries_queue_up_until_resumed(
        sandbox_server: RunningServer, sandbox: JiraSandbox,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver()
    sandbox.register_webhook(hook.url, SECRET)
    knobs = f"{sandbox_server.url}/_sandbox/webhooks"

    assert httpx.post(f"{knobs}/pause").status_code == 200
    sandbox.create_issue("RD", "One")
    sandbox.create_issue("RD", "Two")
    queue = httpx.get(knobs).json()["queue"]
    with pytest.raises(TimeoutError):
        asyncio.run(sandbox.drain_webhooks(0.3))

    assert [d["issue"] for d in queue] == ["RD-1", "RD-2"]
    assert hook.attempts == []
    httpx.post(f"{knobs}/resume")
    asyncio.run(sandbox.drain_webhooks(10))
    assert [e["issue"]["key"] for e in _events(hook)] == ["RD-1", "RD-2"]


def test_webhooks_get_only_their_events_and_jql(
        jira_http: httpx.Client, sandbox: JiraSandbox,
        receiver: Callable[..., Receiver]) -> None:
    deletions, launch = receiver(), receiver()
    sandbox.register_webhook(deletions.url, None, ["jira:issue_deleted"])
    jira_http.post("/rest/webhooks/1.0/webhook", json={
        "name": "launch only", "url": launch.url, "filters": {
            "issue-related-events-section": "project = LAUNCH"}})

    sandbox.create_issue("RD", "Spec")
    jira_http.delete("/rest/api/3/issue/RD-1")
    sandbox.create_issue("LAUNCH", "Venue")
    asyncio.run(sandbox.drain_webhooks(10))

    assert [(e["webhookEvent"], e["issue"]["key"]) for e in _events(deletions)] == [
        ("jira:issue_deleted", "RD-1")]
    assert [(e["webhookEvent"], e["issue"]["key"]) for e in _events(launch)] == [
        ("jira:issue_created", "LAUNCH-1")]


def test_an_unreachable_receiver_is_given_up_on_after_bounded_retries(
        sandbox_server: RunningServer, sandbox: JiraSandbox) -> None:
    sandbox.webhooks.max_attempts = 3
    sandbox.register_webhook(f"http://127.0.0.1:{free_port()}/hook", SECRET)

    sandbox.create_issue("RD", "Spec")
    asyncio.run(sandbox.drain_webhooks(10))

    (failed,) = sandbox.webhooks.failed
    assert failed.attempts == 3
    assert "ConnectError" in (failed.last_error or "")


def test_webhooks_are_listed_and_deleted_over_rest(jira_http: httpx.Client,
                                                   sandbox: JiraSandbox) -> None:
    hook_id = sandbox.register_webhook("https://hub.example.com/webhooks/jira", SECRET,
                                       name="hub")

    listed = jira_http.get("/rest/webhooks/1.0/webhook").json()
    deleted = jira_http.delete(f"/rest/webhooks/1.0/webhook/{hook_id}")

    assert [(h["name"], h["url"]) for h in listed] == [
        ("hub", "https://hub.example.com/webhooks/jira")]
    assert "secret" not in listed[0]
    assert deleted.status_code == 204
    assert jira_http.get("/rest/webhooks/1.0/webhook").json() == []
    assert jira_http.delete(f"/rest/webhooks/1.0/webhook/{hook_id}").status_code == 404
