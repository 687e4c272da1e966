"""Recently checked tokens, kept for a few seconds so that a busy client's requests don't each
cost a database round trip. A revoked token stops working within `ttl` seconds on every
server; an expired one at its expiry, cached or not. Refusals are never cached."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from threading import Lock

from hub.auth.principal import Principal
from hub.auth.tokens import digest

#: how long a checked token is trusted without asking the database again (seconds)
TTL = 5.0
_MAX = 10_000  # entries; a flood of distinct tokens can't grow it further


class TokenCache:
    """token digest -> (principal, monotonic time it was checked)."""

    def __init__(self, ttl: float = TTL, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._monotonic = ttl, monotonic
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = Lock()

    def get(self, secret: str, now: datetime) -> Principal | None:
        """The cached principal of `secret`, if checked less than `ttl` ago and not expired."""
        key = digest(secret)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        principal, checked = entry
        if self._monotonic() - checked >= self.ttl or (
                principal.expires_at is not None and principal.expires_at <= now):
            with self._lock:
                self._entries.pop(key, None)
            return None
        return principal

    def put(self, secret: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= _MAX:
                self._entries.clear()
            self._entries[digest(secret)] = (principal, self._monotonic())
