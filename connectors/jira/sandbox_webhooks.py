"""Admin webhooks of the sandbox: registrations, and deliveries sent in order per webhook by a
background task, signed (`X-Hub-Signature: sha256=<hex HMAC>`) when the webhook has a secret,
retried with backoff under the same `X-Atlassian-Webhook-Identifier`.

Deliveries are queued from any thread; the sending task runs in the server's event loop
(started by the app's lifespan). `pause()` holds them back; `pending()` shows the queue.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)
ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")


@dataclass(eq=False)
class Webhook:
    """A registration: where to send which events, signed with `secret` if there is one."""

    id: int
    name: str
    url: str
    events: list[str]
    secret: str | None = None
    jql: str | None = None
    enabled: bool = True
    author: str | None = None
    updated: int = 0

    def wants(self, event: str) -> bool:
        """True when this webhook subscribed to `event` (no events listed: every issue event)."""
        return self.enabled and (not self.events or event in self.events)


@dataclass(eq=False)
class Delivery:
    """One event for one webhook; the body and identifier stay the same across retries."""

    webhook_id: int
    event: str
    issue_key: str
    body: bytes
    identifier: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    last_error: str | None = None

    def describe(self) -> dict[str, Any]:
        """The delivery as JSON, for `/_sandbox/webhooks/queue`."""
        return {"webhook": self.webhook_id, "identifier": self.identifier, "event": self.event,
                "issue": self.issue_key, "attempts": self.attempts, "last_error": self.last_error}


class WebhookDispatcher:
    """Registered webhooks and their delivery queues."""

    def __init__(self) -> None:
        self.max_attempts = 5  # the first try and four retries
        self.retry_delay = 0.5  # seconds before the first retry; doubles each time
        self.max_delay = 10.0
        self.timeout = 10.0
        self.verify_tls: bool | str = True
        self.paused = False
        self.sent: deque[Delivery] = deque(maxlen=1000)
        self.failed: deque[Delivery] = deque(maxlen=1000)
        self._hooks: dict[int, Webhook] = {}
        self._queues: dict[int, deque[Delivery]] = {}
        self._lock = threading.Lock()
        self._next = 1
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    # -- registrations ---------------------------------------------------------------------
    def register(self, name: str, url: str, events: list[str] | None = None,
                 secret: str | None = None, jql: str | None = None,
                 author: str | None = None, now: int = 0) -> Webhook:
        """Add a webhook."""
        with self._lock:
            hook = Webhook(self._next, name, url, list(events or []), secret, jql or None,
                           author=author, updated=now)
            self._hooks[hook.id] = hook
            self._queues[hook.id] = deque()
            self._next += 1
            return hook

    def remove(self, webhook_id: int) -> bool:
        """Delete a webhook and drop what it had queued."""
        with self._lock:
            self._queues.pop(webhook_id, None)
            return self._hooks.pop(webhook_id, None) is not None

    def get(self, webhook_id: int) -> Webhook | None:
        """A webhook by id."""
        return self._hooks.get(webhook_id)

    def hooks(self) -> list[Webhook]:
        """Every webhook, oldest first."""
        with self._lock:
            return list(self._hooks.values())

    # -- deliveries ------------------------------------------------------------------------
    def enqueue(self, hook: Webhook, event: str, issue_key: str, body: bytes) -> Delivery:
        """Queue a delivery and wake the sender."""
        delivery = Delivery(hook.id, event, issue_key, body)
        with self._lock:
            if hook.id not in self._queues:
                return delivery  # removed meanwhile
            self._queues[hook.id].append(delivery)
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
        """The headers of one attempt."""
        headers = {"Content-Type": "application/json; charset=UTF-8",
                   "User-Agent": "Atlassian Webhook HTTP Client",
                   "X-Atlassian-Webhook-Identifier": delivery.identifier}
        if delivery.attempts > 1:
            headers["X-Atlassian-Webhook-Retry"] = str(delivery.attempts - 1)
        if hook.secret:
            digest = hmac.new(hook.secret.encode(), delivery.body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        return headers

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
        workers: dict[int, asyncio.Task[None]] = {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=self.verify_tls) as client:
                while True:
                    await self._wake.wait()
                    self._wake.clear()
                    if self.paused:
                        continue
                    with self._lock:
                        busy = [hook_id for hook_id, queue in self._queues.items() if queue]
                    for hook_id in busy:
                        task = workers.get(hook_id)
                        if task is None or task.done():
                            workers[hook_id] = asyncio.create_task(self._work(client, hook_id))
        finally:
            self._loop = self._wake = None
            for task in workers.values():
                task.cancel()
            await asyncio.gather(*workers.values(), return_exceptions=True)

    async def _work(self, client: httpx.AsyncClient, hook_id: int) -> None:
        while not self.paused:
            with self._lock:
                queue, hook = self._queues.get(hook_id), self._hooks.get(hook_id)
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
        try:
            response = await client.post(hook.url, content=delivery.body,
                                         headers=self.headers(hook, delivery))
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            log.debug("webhook %s to %s failed: %s", delivery.identifier, hook.url, exc)
            return False
        if 200 <= response.status_code < 300:
            delivery.last_error = None
            return True
        delivery.last_error = f"HTTP {response.status_code}"
        return False
