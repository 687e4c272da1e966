"""Admin webhooks of the sandbox: registrations, and deliveries sent in order per webhook by a
background task, signed (`X-Hub-Signature: sha256=<hex HMAC>`) when the webhook has a secret,
retried with backoff under the same `X-Atlassian-Webhook-Identifier`.

Deliveries are queued from any thread; the sending task runs in the server's event loop
(started by the app's lifespan). `pause()` holds them back; `pending()` shows the queue.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any

from hub.testing.webhook_sender import WebhookSender

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


class WebhookDispatcher(WebhookSender[int, Webhook, Delivery]):
    """Registered admin webhooks and their delivery queues."""

    def __init__(self) -> None:
        super().__init__()
        self._next = 1

    def register(self, name: str, url: str, events: list[str] | None = None,
                 secret: str | None = None, jql: str | None = None,
                 author: str | None = None, now: int = 0) -> Webhook:
        """Add a webhook."""
        with self._lock:
            hook = Webhook(self._next, name, url, list(events or []), secret, jql or None,
                           author=author, updated=now)
            self._next += 1
        return self._keep(hook.id, hook)

    def enqueue(self, hook: Webhook, event: str, issue_key: str, body: bytes) -> Delivery:
        """Queue a delivery and wake the sender."""
        return self._queue(hook.id, Delivery(hook.id, event, issue_key, body))

    def target(self, hook: Webhook) -> str:
        return hook.url

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
