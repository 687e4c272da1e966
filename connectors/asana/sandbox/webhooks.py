"""Asana webhooks in the sandbox: the `X-Hook-Secret` handshake made while POST /webhooks is in
flight, then compact events `{"events": [...]}` delivered in order per webhook by a background
task, signed with `X-Hook-Signature` (hex HMAC-SHA256 of the raw body with the secret) and
retried with backoff a bounded number of times.

Deliveries are queued from any thread; the sending task runs in the server's event loop
(started by the app's lifespan). `pause()` holds them back; `pending()` shows the queue.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from hub.testing.webhook_sender import WebhookSender

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Webhook:
    """A confirmed subscription: events of `resource` go to `target`, signed with `secret`."""

    gid: str
    resource: dict[str, Any]
    target: str
    secret: str
    filters: list[dict[str, Any]] = field(default_factory=list)
    active: bool = True
    created_at: str | None = None
    last_success_at: str | None = None
    last_failure_at: str | None = None
    last_failure_content: str = ""

    def wants(self, event: dict[str, Any]) -> bool:
        """True when no filter is set or one matches (resource_type, action, fields)."""
        if not self.filters:
            return True
        for rule in self.filters:
            if rule.get("resource_type") not in (None, event["resource"]["resource_type"]):
                continue
            if rule.get("action") not in (None, event["action"]):
                continue
            wanted = rule.get("fields")
            if wanted and (event.get("change") or {}).get("field") not in wanted:
                continue
            return True
        return False

    def record(self) -> dict[str, Any]:
        """The webhook as Asana renders it."""
        return {"gid": self.gid, "resource_type": "webhook", "resource": self.resource,
                "target": self.target, "active": self.active, "created_at": self.created_at,
                "filters": self.filters, "last_success_at": self.last_success_at,
                "last_failure_at": self.last_failure_at,
                "last_failure_content": self.last_failure_content}


@dataclass(eq=False)
class Delivery:
    """One batch of events for one webhook; the body stays the same across retries."""

    webhook_gid: str
    body: bytes
    identifier: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    last_error: str | None = None

    def describe(self) -> dict[str, Any]:
        """The delivery as JSON, for `/_sandbox/webhooks`."""
        return {"webhook": self.webhook_gid, "identifier": self.identifier,
                "events": len(json.loads(self.body)["events"]), "attempts": self.attempts,
                "last_error": self.last_error}


class HandshakeFailed(Exception):
    """The target did not echo `X-Hook-Secret` with a 200/204."""


async def handshake(target: str, http_timeout: float, verify: bool | str = True) -> str:
    """POST an empty body with a fresh `X-Hook-Secret` to `target`; the secret if it was
    echoed back with 200 or 204."""
    secret = secrets.token_hex(32)
    try:
        async with httpx.AsyncClient(timeout=http_timeout, verify=verify) as client:
            response = await client.post(target, content=b"",
                                         headers={"X-Hook-Secret": secret})
    except httpx.HTTPError as exc:
        raise HandshakeFailed(f"{type(exc).__name__}: {exc}") from None
    if response.status_code not in (200, 204):
        raise HandshakeFailed(f"the target answered {response.status_code}")
    if response.headers.get("x-hook-secret") != secret:
        raise HandshakeFailed("the target did not echo X-Hook-Secret")
    return secret


class WebhookDispatcher(WebhookSender[str, Webhook, Delivery]):
    """Confirmed webhooks and their delivery queues."""

    def add(self, hook: Webhook) -> Webhook:
        """Register a webhook whose handshake succeeded."""
        return self._keep(hook.gid, hook)

    def publish(self, resource_gid: str, events: list[dict[str, Any]]) -> None:
        """Queue `events` (of one write) for each webhook on `resource_gid` that wants any."""
        for hook in self.hooks():
            if hook.resource["gid"] != resource_gid or not hook.active:
                continue
            wanted = [e for e in events if hook.wants(e)]
            if wanted:
                self.enqueue(hook, json.dumps({"events": wanted},
                                              separators=(",", ":")).encode())

    def enqueue(self, hook: Webhook, body: bytes) -> Delivery:
        """Queue a delivery and wake the sender."""
        return self._queue(hook.gid, Delivery(hook.gid, body))

    def target(self, hook: Webhook) -> str:
        return hook.target

    def headers(self, hook: Webhook, delivery: Delivery) -> dict[str, str]:
        """The headers of one attempt: JSON, signed with the handshake's secret."""
        digest = hmac.new(hook.secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json; charset=UTF-8",
                "User-Agent": "Asana", "X-Hook-Signature": digest}

    def outcome(self, hook: Webhook, delivery: Delivery, ok: bool) -> None:
        # Asana shows when a webhook last worked and last failed, and why.
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        if ok:
            hook.last_success_at = stamp
        else:
            hook.last_failure_at, hook.last_failure_content = stamp, delivery.last_error or ""
