"""The webhook sender every sandbox shares: registered hooks, a delivery queue per hook, and a
background task that sends each hook's deliveries in order, retrying with backoff.

Deliveries are queued from any thread; the sending task runs in the server's event loop
(started by the sandbox app's lifespan). `pause()` holds them back; `pending()` shows the
queue. A tool's dispatcher adds how hooks are registered and what its requests look like.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

import httpx

log = logging.getLogger(__name__)


class Delivery(Protocol):
    """What the sender needs of a delivery: its body and its attempt bookkeeping."""

    body: bytes
    attempts: int
    last_error: str | None


K = TypeVar("K", bound=Hashable)
H = TypeVar("H")
D = TypeVar("D", bound=Delivery)


class WebhookSender(ABC, Generic[K, H, D]):
    """Hooks by key, their queues, and the task sending them."""

    def __init__(self) -> None:
        self.max_attempts = 5  # the first try and four retries
        self.retry_delay = 0.5  # seconds before the first retry; doubles each time
        self.max_delay = 10.0
        self.timeout = 10.0
        self.verify_tls: bool | str = True
        self.paused = False
        self.sent: deque[D] = deque(maxlen=1000)
        self.failed: deque[D] = deque(maxlen=1000)
        self._hooks: dict[K, H] = {}
        self._queues: dict[K, deque[D]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    @abstractmethod
    def target(self, hook: H) -> str:
        """The URL deliveries of `hook` go to."""

    @abstractmethod
    def headers(self, hook: H, delivery: D) -> dict[str, str]:
        """The headers of one attempt (signature included)."""

    def outcome(self, hook: H, delivery: D, ok: bool) -> None:
        """Bookkeeping after an attempt (a tool may record success and failure times)."""

    # -- hooks -----------------------------------------------------------------------------
    def _keep(self, key: K, hook: H) -> H:
        with self._lock:
            self._hooks[key] = hook
            self._queues[key] = deque()
            return hook

    def remove(self, key: K) -> bool:
        """Delete a webhook and drop what it had queued."""
        with self._lock:
            self._queues.pop(key, None)
            return self._hooks.pop(key, None) is not None

    def get(self, key: K) -> H | None:
        """A webhook by its key."""
        return self._hooks.get(key)

    def hooks(self) -> list[H]:
        """Every webhook, oldest first."""
        with self._lock:
            return list(self._hooks.values())

    # -- deliveries ------------------------------------------------------------------------
    def _queue(self, key: K, delivery: D) -> D:
        with self._lock:
            if key not in self._queues:
                return delivery  # removed meanwhile
            self._queues[key].append(delivery)
        self._poke()
        return delivery

    def pending(self) -> list[D]:
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

    async def drain(self, within: float) -> None:
        """Wait until every queued delivery was sent or given up on; TimeoutError after
        `within` seconds (e.g. while paused, or the server is not running)."""
        deadline = time.monotonic() + within
        while not self.idle():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.pending())} webhook deliveries still queued "
                                   f"after {within}s")
            await asyncio.sleep(0.01)  # the sender runs in the server's thread

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
        workers: dict[K, asyncio.Task[None]] = {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=self.verify_tls) as client:
                while True:
                    await self._wake.wait()
                    self._wake.clear()
                    if self.paused:
                        continue
                    with self._lock:
                        busy = [key for key, queue in self._queues.items() if queue]
                    for key in busy:
                        task = workers.get(key)
                        if task is None or task.done():
                            workers[key] = asyncio.create_task(self._work(client, key))
        finally:
            self._loop = self._wake = None
            for task in workers.values():
                task.cancel()
            await asyncio.gather(*workers.values(), return_exceptions=True)

    async def _work(self, client: httpx.AsyncClient, key: K) -> None:
        while not self.paused:
            with self._lock:
                queue, hook = self._queues.get(key), self._hooks.get(key)
                if not queue or hook is None:
                    return
                delivery = queue[0]
            delivery.attempts += 1
            ok = await self._attempt(client, hook, delivery)
            self.outcome(hook, delivery, ok)
            if ok or delivery.attempts >= self.max_attempts:
                with self._lock:
                    if queue and queue[0] is delivery:
                        queue.popleft()
                (self.sent if ok else self.failed).append(delivery)
                continue
            await asyncio.sleep(min(self.retry_delay * 2 ** (delivery.attempts - 1),
                                    self.max_delay))

    async def _attempt(self, client: httpx.AsyncClient, hook: H, delivery: D) -> bool:
        try:
            response = await client.post(self.target(hook), content=delivery.body,
                                         headers=self.headers(hook, delivery))
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            log.debug("webhook to %s failed: %s", self.target(hook), exc)
            return False
        if 200 <= response.status_code < 300:
            delivery.last_error = None
            return True
        delivery.last_error = f"HTTP {response.status_code}"
        return False
