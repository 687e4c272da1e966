"""Fault knobs of the Asana sandbox: latency, slow answers, rate limits (Asana's 429 with
`Retry-After` in seconds), random 5xx from a seeded RNG, and "fail the next N calls".

Settable from Python (`sandbox.faults.latency_ms = 50`) and over HTTP (`/_sandbox/faults`).
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from connectors.asana.sandbox_errors import AsanaApiError

RATE_LIMITED = "You have made too many requests recently. Please, be chill."
SERVER_ERROR = "Server Error"


@dataclass
class Faults:
    """What goes wrong, now. Every API call asks `check()` before it is answered."""

    latency_ms: float = 0.0
    #: seconds an answer is held back *after* the call was processed (writes land even when
    #: the client has given up, as with a real overloaded Asana)
    slow_seconds: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    seed: int = 0
    _limited: int = 0
    _retry_after: float = 1.0
    _failing: int = 0
    _failing_status: int = 503
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def rate_limit(self, calls: int, retry_after: float = 1.0) -> None:
        """Answer the next `calls` calls with 429 and `Retry-After: retry_after`."""
        with self._lock:
            self._limited, self._retry_after = calls, retry_after

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

    def check(self) -> None:
        """Raise the error this call gets, if any (one call consumes one unit of a knob)."""
        with self._lock:
            if self._failing > 0:
                self._failing -= 1
                raise AsanaApiError(self._failing_status, SERVER_ERROR)
            if self._limited > 0:
                self._limited -= 1
                # Asana sends whole seconds; below one the sandbox keeps the fraction (fast tests)
                wait = self._retry_after
                seconds = str(math.ceil(wait)) if wait >= 1 else f"{wait:.3f}"
                raise AsanaApiError(429, RATE_LIMITED, headers={"Retry-After": seconds})
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                raise AsanaApiError(self._rng.choice(self.error_statuses), SERVER_ERROR)

    def settings(self) -> dict[str, Any]:
        """The knobs as JSON (what `/_sandbox/faults` shows)."""
        with self._lock:
            return {"latency_ms": self.latency_ms, "slow_seconds": self.slow_seconds,
                    "error_rate": self.error_rate, "seed": self.seed,
                    "rate_limited_calls": self._limited, "retry_after": self._retry_after,
                    "failing_calls": self._failing, "failing_status": self._failing_status}

    def apply(self, body: dict[str, Any]) -> None:
        """Set knobs from JSON: latency_ms, slow_seconds, error_rate, seed, fail_next
        ({calls, status} or a number), rate_limit ({calls, retry_after} or a number)."""
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
