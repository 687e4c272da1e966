"""Fault knobs of a sandbox: latency, slow answers, rate limits (Jira's 429 with `Retry-After`
and `X-RateLimit-*`), random 5xx from a seeded RNG, and "fail the next N calls".

Settable from Python (`sandbox.faults.latency_ms = 50`) and over HTTP (`/_sandbox/faults`).
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.jira.sandbox_errors import JiraApiError

RATE_LIMITED = "Rate limit exceeded."
UNAVAILABLE = "The service is temporarily unavailable. Please try again later."


@dataclass
class Faults:
    """What goes wrong, now. Every API call asks `check()` before it is answered."""

    latency_ms: float = 0.0
    #: seconds an answer is held back *after* the call was processed (writes land even when
    #: the client has given up, as with a real overloaded Jira)
    slow_seconds: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    seed: int = 0
    _limited: int = 0
    _retry_after: float = 1.0
    _failing: int = 0
    _failing_status: int = 503
    _budget: int | None = None
    _window: float = 60.0
    _window_start: float = 0.0
    _window_used: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def rate_limit(self, calls: int, retry_after: float = 1.0) -> None:
        """Answer the next `calls` calls with 429 and `Retry-After: retry_after`."""
        with self._lock:
            self._limited, self._retry_after = calls, retry_after

    def rate_budget(self, limit: int | None, window_seconds: float = 60.0) -> None:
        """Allow `limit` calls per window of `window_seconds`; 429 beyond (None: no budget)."""
        with self._lock:
            self._budget, self._window = limit, window_seconds
            self._window_start, self._window_used = time.monotonic(), 0

    def fail_next(self, calls: int, status: int = 503) -> None:
        """Answer the next `calls` calls with `status` (503 unless told)."""
        with self._lock:
            self._failing, self._failing_status = calls, status

    def reseed(self, seed: int) -> None:
        """Restart the RNG behind `error_rate`, for a repeatable run."""
        with self._lock:
            self.seed = seed
            self._rng.seed(seed)

    def reset(self) -> None:
        """No faults at all."""
        with self._lock:
            self.latency_ms = self.slow_seconds = self.error_rate = 0.0
            self._limited = self._failing = 0
            self._budget = None

    def check(self) -> None:
        """Raise the error this call gets, if any (one call consumes one unit of each knob)."""
        with self._lock:
            if self._failing > 0:
                self._failing -= 1
                raise JiraApiError(self._failing_status, [UNAVAILABLE])
            if self._limited > 0:
                self._limited -= 1
                raise self._rate_limited(self._retry_after, 0, self._limited + 1)
            if self._budget is not None:
                now = time.monotonic()
                if now - self._window_start >= self._window:
                    self._window_start, self._window_used = now, 0
                if self._window_used >= self._budget:
                    wait = self._window - (now - self._window_start)
                    raise self._rate_limited(max(wait, 0.001), 0, self._budget)
                self._window_used += 1
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                raise JiraApiError(self._rng.choice(self.error_statuses), [UNAVAILABLE])

    def rate_headers(self) -> dict[str, str]:
        """`X-RateLimit-*` headers for a successful answer while a budget is set."""
        with self._lock:
            if self._budget is None:
                return {}
            return {"X-RateLimit-Limit": str(self._budget),
                    "X-RateLimit-Remaining": str(max(self._budget - self._window_used, 0))}

    @staticmethod
    def _rate_limited(retry_after: float, remaining: int, limit: int) -> JiraApiError:
        # Jira sends whole seconds; below one second the sandbox keeps the fraction (fast tests)
        seconds = math.ceil(retry_after) if retry_after >= 1 else retry_after
        reset = datetime.now(UTC) + timedelta(seconds=retry_after)
        return JiraApiError(429, [RATE_LIMITED], headers={
            "Retry-After": _number(seconds), "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "RateLimit-Reason": "jira-quota-based"})

    def settings(self) -> dict[str, Any]:
        """The knobs as JSON (what `/_sandbox/faults` shows)."""
        with self._lock:
            return {"latency_ms": self.latency_ms, "slow_seconds": self.slow_seconds,
                    "error_rate": self.error_rate, "seed": self.seed,
                    "rate_limited_calls": self._limited, "retry_after": self._retry_after,
                    "failing_calls": self._failing, "failing_status": self._failing_status,
                    "rate_budget": self._budget, "window_seconds": self._window}

    def apply(self, body: dict[str, Any]) -> None:
        """Set knobs from JSON: latency_ms, slow_seconds, error_rate, seed, fail_next
        ({calls, status} or a number), rate_limit ({calls, retry_after}), rate_budget
        ({limit, window_seconds} or null)."""
        for name in ("latency_ms", "slow_seconds", "error_rate"):
            if name in body:
                setattr(self, name, float(body[name]))
        if "seed" in body:
            self.reseed(int(body["seed"]))
        if "fail_next" in body:
            spec = body["fail_next"]
            spec = spec if isinstance(spec, dict) else {"calls": spec}
            self.fail_next(int(spec["calls"]), int(spec.get("status", 503)))
        if "rate_limit" in body:
            spec = body["rate_limit"]
            spec = spec if isinstance(spec, dict) else {"calls": spec}
            self.rate_limit(int(spec["calls"]), float(spec.get("retry_after", 1.0)))
        if "rate_budget" in body:
            spec = body["rate_budget"]
            self.rate_budget(None if spec is None else int(spec["limit"]),
                             float((spec or {}).get("window_seconds", 60.0)))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"
