"""BambooHR webhooks in the sandbox: registrations (`/api/v1/webhooks`), and deliveries sent in
order per webhook by the shared sender, signed as BambooHR signs them: `X-BambooHR-Timestamp`
(epoch seconds of the attempt) and `X-BambooHR-Signature`, the hex HMAC-SHA256 of the raw body
followed by that timestamp, keyed with the webhook's `privateKey`.

Field-based webhooks (`employee_with_fields.*`, the default) post
`{"employees": [{"id", "action", "timestamp", "changedFields", "fields"}]}`, where `fields`
holds the `postFields` under their external names; event webhooks (`employee.*`) post
`{"type": "employee.updated", "timestamp", "data": {"employeeId", "changedFields"}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.testing.webhook_sender import WebhookSender

FIELD_EVENTS = ("employee_with_fields.created", "employee_with_fields.updated",
                "employee_with_fields.deleted")
EMPLOYEE_EVENTS = ("employee.created", "employee.updated", "employee.deleted")
ACTION_EVENT = {"Inserted": "created", "Updated": "updated", "Deleted": "deleted"}


@dataclass(eq=False)
class Webhook:
    """A registration: what to send where, and the key its deliveries are signed with."""

    id: str
    name: str
    url: str
    format: str
    private_key: str
    owner: str
    monitor_fields: list[str] | None = None
    post_fields: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=lambda: list(FIELD_EVENTS))
    include_company_domain: bool = False
    created: str = ""
    last_sent: str | None = None
    log: list[dict[str, Any]] = field(default_factory=list)

    @property
    def field_based(self) -> bool:
        return any(e.startswith("employee_with_fields.") for e in self.events)

    def wants(self, action: str, changed: list[str]) -> bool:
        """True when this webhook fires for a change (`action`) of `changed` fields."""
        family = "employee_with_fields" if self.field_based else "employee"
        event = f"{family}.{ACTION_EVENT[action]}"
        if event not in self.events:
            return False
        if action == "Updated" and self.monitor_fields is not None:
            return bool(set(changed) & set(self.monitor_fields))
        return True

    def summary(self) -> dict[str, Any]:
        """The webhook as `GET /api/v1/webhooks` lists it."""
        return {"id": self.id, "name": self.name, "created": self.created,
                "lastSent": self.last_sent, "url": self.url}

    def full(self) -> dict[str, Any]:
        """The webhook as `GET /api/v1/webhooks/{id}` shows it (never the private key)."""
        return {**self.summary(), "monitorFields": self.monitor_fields,
                "postFields": self.post_fields, "format": self.format,
                "includeCompanyDomain": self.include_company_domain, "events": self.events}


@dataclass(eq=False)
class Delivery:
    """One payload for one webhook; the body stays the same across retries."""

    webhook_id: str
    employee_ids: list[str]
    body: bytes
    identifier: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    last_error: str | None = None
    last_status: str = ""

    def describe(self) -> dict[str, Any]:
        """The delivery as JSON, for `/_sandbox/webhooks`."""
        return {"webhook": self.webhook_id, "identifier": self.identifier,
                "employees": self.employee_ids, "attempts": self.attempts,
                "last_error": self.last_error}


def sign(private_key: str, body: bytes, timestamp: str) -> str:
    """BambooHR's signature: hex HMAC-SHA256 of the raw body followed by the timestamp."""
    return hmac.new(private_key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


class WebhookDispatcher(WebhookSender[str, Webhook, Delivery]):
    """Registered webhooks and their delivery queues. `clock` stamps each attempt (real time
    unless a test sets another: the receiver checks it against its own clock)."""

    def __init__(self, company_domain: str) -> None:
        super().__init__()
        self.company_domain = company_domain
        self.clock: Callable[[], float] = time.time
        self._next = 1

    def register(self, *, name: str, url: str, owner: str, format: str = "json",
                 monitor_fields: list[str] | None = None,
                 post_fields: dict[str, str] | None = None, events: list[str] | None = None,
                 include_company_domain: bool = False, private_key: str | None = None,
                 created: str = "") -> Webhook:
        """Add a webhook; its private key is made here unless given (demos fix one)."""
        with self._lock:
            hook = Webhook(str(self._next), name, url, format,
                           private_key or secrets.token_hex(32), owner,
                           monitor_fields, dict(post_fields or {}),
                           list(events or FIELD_EVENTS), include_company_domain,
                           created=created)
            self._next += 1
        return self._keep(hook.id, hook)

    def publish(self, changes: list[dict[str, Any]], fields_of: Callable[[str], dict[str, Any]],
                stamp: str) -> None:
        """Queue a delivery per webhook that wants any of `changes` (`{id, action,
        changedFields}` each); `fields_of(id)` gives an employee's current fields."""
        for hook in self.hooks():
            wanted = [c for c in changes if hook.wants(c["action"], c["changedFields"])]
            if not wanted:
                continue
            if hook.field_based:
                entries = [{"id": c["id"], "action": c["action"], "timestamp": stamp,
                            "changedFields": c["changedFields"],
                            "fields": {external: fields_of(c["id"]).get(name)
                                       for name, external in hook.post_fields.items()}}
                           for c in wanted]
                payload: Any = {"employees": entries}
                bodies = [payload]
            else:
                bodies = [{"type": f"employee.{ACTION_EVENT[c['action']]}", "timestamp": stamp,
                           "data": {"employeeId": c["id"],
                                    "changedFields": c["changedFields"]}} for c in wanted]
            for body in bodies:
                self._queue(hook.id, Delivery(hook.id, [str(c["id"]) for c in wanted],
                                              json.dumps(body, separators=(",", ":")).encode()))

    def target(self, hook: Webhook) -> str:
        return hook.url

    def headers(self, hook: Webhook, delivery: Delivery) -> dict[str, str]:
        """One attempt's headers: JSON, timestamped now, signed with the private key."""
        timestamp = str(int(self.clock()))
        headers = {"Content-Type": "application/json", "User-Agent": "BambooHR-Webhooks",
                   "X-BambooHR-Timestamp": timestamp,
                   "X-BambooHR-Signature": sign(hook.private_key, delivery.body, timestamp)}
        if hook.include_company_domain:
            headers["X-BambooHR-Company-Domain"] = self.company_domain
        return headers

    def outcome(self, hook: Webhook, delivery: Delivery, ok: bool) -> None:
        # BambooHR keeps a delivery log per webhook (`GET /api/v1/webhooks/{id}/log`).
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        if ok:
            hook.last_sent = stamp
        hook.log.append({"webhookId": hook.id, "url": hook.url, "lastAttempted": stamp,
                         "lastSuccess": stamp if ok else "", "statusCode":
                         "200" if ok else (delivery.last_error or "").removeprefix("HTTP "),
                         "format": hook.format, "employeeIds": delivery.employee_ids})
        del hook.log[:-200]
