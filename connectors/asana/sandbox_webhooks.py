"""Asana webhooks in the sandbox: the `X-Hook-Secret` handshake made while POST /webhooks is in
flight, then compact events `{"events": [...]}` delivered in order per webhook by a background
task, signed with `X-Hook-Signature` (hex HMAC-SHA256 of the raw body with the secret) and
retried with backoff a bounded number of times.

Deliveries are queued from any thread; the sending task runs in the server's event loop
(started by the app's lifespan). `pause()` holds them back; `pending()` shows the queue.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

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


class WebhookDispatcher:
    """Confirmed webhooks and their delivery queues."""

    def __init__(self) -> None:
        self.max_attempts = 5  # the first try and four retries (Asana keeps trying for a day)
        self.retry_delay = 0.5  # seconds before the first retry; doubles each time
        self.max_delay = 10.0
        self.timeout = 10.0
        self.verify_tls: bool | str = True
        self.paused = False
        self.sent: deque[Delivery] = deque(maxlen=1000)
        self.failed: deque[Delivery] = deque(maxlen=1000)
        self._hooks: dict[str, Webhook] = {}
        self._queues: dict[str, deque[Delivery]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    # -- registrations ---------------------------------------------------------------------
    def add(self, hook: Webhook) -> Webhook:
        """Register a webhook whose handshake succeeded."""
        with self._lock:
            self._hooks[hook.gid] = hook
            self._queues[hook.gid] = deque()
            return hook

    def remove(self, gid: str) -> bool:
        """Delete a webhook and drop what it had queued."""
        with self._lock:
            self._queues.pop(gid, None)
            return self._hooks.pop(gid, None) is not None

    def get(self, gid: str) -> Webhook | None:
        """A webhook by gid."""
        return self._hooks.get(gid)

    def hooks(self) -> list[Webhook]:
        """Every webhook, oldest first."""
        with self._lock:
            return list(self._hooks.values())

    # -- deliveries ------------------------------------------------------------------------
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
        delivery = Delivery(hook.gid, body)
        with self._lock:
            if hook.gid not in self._queues:
                return delivery  # removed meanwhile
            self._queues[hook.gid].append(delivery)
        self._poke()
        return delivery

    def pending(self) -> list[Delivery]:
        """Deliveries not yet sent (nor given up on), in sending order per webhook."""
        with self._lock:
            return [d for queue in self._queues.values() for d in queue]

    def idle(self) -> bool:
        """True when nothing waits to be sent."""
        with self._lock:
            return not any(self._queues.values())

    def pause(self) -> None:
        """Hold deliveries back (they queue up) until `resume()`."""
        self.paused = True

    def resume(self) -> None:
        """Send what queued up while paused."""
        self.paused = False
        self._poke()

    def headers(self, hook: Webhook, delivery: Delivery) -> dict[str, str]:
        """The headers of one attempt: JSON, signed with the handshake's secret."""
        digest = hmac.new(hook.secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json; charset=UTF-8",
                "User-Agent": "Asana", "X-Hook-Signature": digest}

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    # -- the sender ------------------------------------------------------------------------
    async def run(self) -> None:
        """Send deliveries until cancelled: one worker per webhook keeps its order."""
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._wake.set()  # whatever queued before the server started
        workers: dict[str, asyncio.Task[None]] = {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=self.verify_tls) as client:
                while True:
                    await self._wake.wait()
                    self._wake.clear()
                    if self.paused:
                        continue
                    with self._lock:
                        busy = [gid for gid, queue in self._queues.items() if queue]
                    for gid in busy:
                        task = workers.get(gid)
                        if task is None or task.done():
                            workers[gid] = asyncio.create_task(self._work(client, gid))
        finally:
            self._loop = self._wake = None
            for task in workers.values():
                task.cancel()
            await asyncio.gather(*workers.values(), return_exceptions=True)

    async def _work(self, client: httpx.AsyncClient, gid: str) -> None:
        while not self.paused:
            with self._lock:
                queue, hook = self._queues.get(gid), self._hooks.get(gid)
                if not queue or hook is None:
                    return
                delivery = queue[0]
            delivery.attempts += 1
            ok = await self._attempt(client, hook, delivery)
            if ok or delivery.attempts >= self.max_attempts:
                with self._lock:
                    if queue and queue[0] is delivery:
                        queue.popleft()
                (self.sent if ok else self.failed).append(delivery)
                continue
            await asyncio.sleep(min(self.retry_delay * 2 ** (delivery.attempts - 1),
                                    self.max_delay))

    async def _attempt(self, client: httpx.AsyncClient, hook: Webhook,
                       delivery: Delivery) -> bool:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        try:
            response = await client.post(hook.target, content=delivery.body,
                                         headers=self.headers(hook, delivery))
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            hook.last_failure_at, hook.last_failure_content = stamp, delivery.last_error
            log.debug("webhook %s to %s failed: %s", hook.gid, hook.target, exc)
            return False
        if 200 <= response.status_code < 300:
            delivery.last_error = None
            hook.last_success_at = stamp
            return True
        delivery.last_error = f"HTTP {response.status_code}"
        hook.last_failure_at, hook.last_failure_content = stamp, delivery.last_error
        return False
