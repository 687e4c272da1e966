"""The HTTP client every connector shares: pooled httpx.AsyncClient, a concurrency cap,
timeouts, and retries that honour `Retry-After`, turning answers into typed errors.

Connectors subclass `ToolClient` and override `describe` to pull the tool's own reason out of
an error body; the retry loop is written once, here.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hub import codec
from hub.errors import AuthenticationFailed, Permanent, Retriable

log = logging.getLogger(__name__)
RETRIED_STATUS = {429, 500, 502, 503, 504}
#: waits longer than this are not slept in the call: the engine reschedules the work instead
MAX_INLINE_WAIT = 30.0


class RateLimit:
    """At most `per_minute` calls in any minute: a token bucket refilled continuously, so a
    backfill stays under a tool's quota instead of running into 429s."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for a token."""
        async with self._lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class ToolRefusal(Permanent):
    """A tool's refusal answer, with its complaint about each field of the request it named,
    in its own field names (`fields`; empty when it named none): what a connector turns into
    `FieldsRefused` for the paths of its patch."""

    def __init__(self, reason: str, *, status: int | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        super().__init__(reason, status=status)
        self.fields = dict(fields or {})


class ToolClient:
    """An HTTP client for one tool. Subclasses set auth and error parsing."""

    def __init__(self, base_url: str, *, name: str, auth: httpx.Auth | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float = 30.0,
                 concurrency: int = 4, max_retries: int = 4, per_minute: int | None = None,
                 verify: bool | str = True, transport: httpx.AsyncBaseTransport | None = None,
                 ) -> None:
        self.name = name
        self.max_retries = max_retries
        self._gate = asyncio.Semaphore(concurrency)
        self._limit = RateLimit(per_minute) if per_minute else None
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), auth=auth, headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout), verify=verify, transport=transport,
            limits=httpx.Limits(max_connections=concurrency,
                                max_keepalive_connections=concurrency))
        self.calls = 0

    async def request(self, method: str, path: str, *, params: Any = None, json: Any = None,
                      headers: Mapping[str, str] | None = None) -> httpx.Response:
        """Send a request; retry what may pass, raise `Retriable`/`Permanent` otherwise."""
        attempt = 0
        while True:
            try:
                if self._limit is not None:
                    await self._limit.take()
                async with self._gate:
                    self.calls += 1
                    response = await self.http.request(method, path, params=params, json=json,
                                                       headers=headers)
            except httpx.TimeoutException:
                reason, wait = f"{self.name}: no answer within the timeout", None
            except httpx.TransportError as exc:
                host = self.http.base_url.host
                if _unknown_host(exc):
                    # No answer from DNS now will not be another in a second: the job is tried
                    # again later; `hub check` says it at once.
                    raise Retriable(f"{self.name}: cannot resolve host {host} (DNS): check "
                                    "the connector's base_url and this machine's DNS") from None
                port = self.http.base_url.port or (443 if self.http.base_url.scheme == "https"
                                                   else 80)
                reason, wait = (f"{self.name}: cannot connect to {host}:{port}: "
                                f"{type(exc).__name__}: {exc}"), None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRIED_STATUS:
                    raise self._refusal(response)
                reason = f"{self.name}: {response.status_code} {self.describe(response)}"
                wait = self.wait_hint(response)
            attempt += 1
            delay = wait if wait is not None else min(16.0, 0.5 * 2 ** attempt) * random.uniform(
                0.5, 1.0)
            if attempt > self.max_retries or delay > MAX_INLINE_WAIT:
                raise Retriable(reason, retry_after=wait)
            log.debug("%s; retrying in %.1fs (attempt %d)", reason, delay, attempt)
            await asyncio.sleep(delay)

    def _refusal(self, response: httpx.Response) -> Permanent:
        reason = f"{self.name}: {response.status_code} {self.describe(response)}"
        if response.status_code in (401, 403):
            return AuthenticationFailed(reason, status=response.status_code)
        return ToolRefusal(reason, status=response.status_code,
                           fields=self.field_errors(response))

    def wait_hint(self, response: httpx.Response) -> float | None:
        """Seconds the tool asked to wait before the next try (override for tools that say it
        elsewhere than `Retry-After`)."""
        return retry_after(response)

    def describe(self, response: httpx.Response) -> str:
        """The tool's own words for an error answer (override per tool)."""
        return response.reason_phrase + (f": {response.text[:300]}" if response.text else "")

    def field_errors(self, response: httpx.Response) -> dict[str, str]:
        """The tool's complaint per field of the request, when its error answer names fields
        (override per tool); by the tool's own field names."""
        return {}

    async def get_json(self, path: str, params: Any = None) -> Any:
        """GET and decode JSON."""
        return json_of(await self.request("GET", path, params=params))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


def _unknown_host(exc: BaseException) -> bool:
    """Whether a transport error is a failed DNS look-up (socket.gaierror somewhere in it)."""
    todo, seen = [exc], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
        todo += [a for a in current.args if isinstance(a, BaseException)]
    return False


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a tool's answer (ValueError when it is none)."""
    return codec.loads(response.content)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the tool asked to wait: `Retry-After` as seconds or as an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
