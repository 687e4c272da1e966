"""Webhooks a sandbox sends, for any tool: registrations checked the way the tool checks a
callback URL (a HEAD that must answer 200, a challenge to echo), then deliveries queued per
hook, sent in order, retried, and signed per attempt by the tool's `signer`."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from hub.testing.webhook_sender import WebhookSender

Check = Literal["head", "challenge", "none"]


@dataclass(eq=False)
class Hook:
    """A registration: deliveries about `model` go to `url`."""

    id: str
    url: str
    model: str
    description: str = ""
    active: bool = True
    owner: str = ""
    secret: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Delivery:
    """One payload for one hook; the body stays the same across retries."""

    hook_id: str
    body: bytes
    identifier: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0
    last_error: str | None = None

    def describe(self) -> dict[str, Any]:
        """The delivery as JSON, for `/_sandbox/webhooks`."""
        return {"webhook": self.hook_id, "identifier": self.identifier,
                "attempts": self.attempts, "last_error": self.last_error}


class TargetRefused(Exception):
    """The callback URL did not pass the tool's check; the message says how it answered."""


async def check_target(url: str, how: Check, *, wait: float = 10.0,
                       verify: bool | str = True) -> None:
    """Check a callback URL as the tool does before it creates a webhook."""
    if how == "none":
        return
    try:
        async with httpx.AsyncClient(timeout=wait, verify=verify) as client:
            if how == "head":
                answer = await client.head(url)
                if answer.status_code != 200:
                    raise TargetRefused(f"the callback URL answered HEAD with "
                                        f"{answer.status_code}, not 200")
                return
            challenge = secrets.token_urlsafe(16)
            answer = await client.post(url, json={"challenge": challenge})
    except httpx.HTTPError as exc:
        raise TargetRefused(f"the callback URL could not be reached: {exc}") from None
    try:
        echoed = answer.json().get("challenge")
    except (ValueError, AttributeError):
        echoed = None
    if answer.status_code != 200 or echoed != challenge:
        raise TargetRefused("the callback URL did not echo the challenge")


class Webhooks(WebhookSender[str, Hook, Delivery]):
    """Hooks and their queues; `signer(hook, body)` gives the tool's headers of an attempt."""

    def __init__(self, signer: Callable[[Hook, bytes], dict[str, str]],
                 ids: Callable[[], str]) -> None:
        super().__init__()
        self.signer, self.ids = signer, ids

    def add(self, url: str, model: str, **fields: Any) -> Hook:
        """Keep a registration (its check already passed)."""
        return self._keep_new(Hook(self.ids(), url, model, **fields))

    def _keep_new(self, hook: Hook) -> Hook:
        return self._keep(hook.id, hook)

    def watching(self, model: str) -> list[Hook]:
        """Active hooks on `model`."""
        return [h for h in self.hooks() if h.active and h.model == model]

    def publish(self, models: list[str], payload: dict[str, Any]) -> None:
        """Queue `payload` to every active hook on any of `models` (once per hook)."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        for hook in {h.id: h for m in models for h in self.watching(m)}.values():
            self._queue(hook.id, Delivery(hook.id, body))

    def publish_to(self, hook: Hook, payload: dict[str, Any]) -> None:
        """Queue `payload` to one hook (tools whose hooks each want their own event)."""
        self._queue(hook.id, Delivery(hook.id, json.dumps(payload, separators=(",", ":"))
                                      .encode()))

    def target(self, hook: Hook) -> str:
        return hook.url

    def headers(self, hook: Hook, delivery: Delivery) -> dict[str, str]:
        return {"Content-Type": "application/json", **self.signer(hook, delivery.body)}
