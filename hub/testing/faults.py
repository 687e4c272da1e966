"""Fault knobs every sandbox shares: latency, slow answers, rate limits (429 for the next N
calls, or a budget per window), random 5xx from a seeded RNG, and "fail the next N calls".

Settable from Python (`sandbox.faults.latency_ms = 50`) and over HTTP (`/_sandbox/faults`).
`check()` says which fault a call gets; each sandbox turns it into its tool's error body.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Fault:
    """The error one call gets: a status, and for 429s the wait and the budget's state."""

    status: int
    retry_after: float | None = None
    limit: int | None = None
    remaining: int | None = None


@dataclass
class Faults:
    """What goes wrong, now. Every API call asks `check()` before it is answered."""

    latency_ms: float = 0.0
    #: seconds an answer is held back *after* the call was processed (writes land even when
    #: the client has given up, as with a real overloaded tool)
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

    def check(self) -> Fault | None:
        """The fault this call gets, if any (one call consumes one unit of each knob)."""
        with self._lock:
            if self._failing > 0:
                self._failing -= 1
                return Fault(self._failing_status)
            if self._limited > 0:
                self._limited -= 1
                return Fault(429, self._retry_after, self._limited + 1, 0)
            if self._budget is not None:
                now = time.monotonic()
                if now - self._window_start >= self._window:
                    self._window_start, self._window_used = now, 0
                if self._window_used >= self._budget:
                    wait = self._window - (now - self._window_start)
                    return Fault(429, max(wait, 0.001), self._budget, 0)
                self._window_used += 1
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                return Fault(self._rng.choice(self.error_statuses))
        return None

    def rate_headers(self) -> dict[str, str]:
        """`X-RateLimit-*` headers for a successful answer while a budget is set."""
        with self._lock:
            if self._budget is None:
                return {}
            return {"X-RateLimit-Limit": str(self._budget),
                    "X-RateLimit-Remaining": str(max(self._budget - self._window_used, 0))}

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
        ({calls, status} or a number), rate_limit ({calls, retry_after} or a number),
        rate_budget ({limit, window_seconds} or null)."""
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


def retry_after_header(seconds: float) -> str:
    """Tools send whole seconds; below one the sandboxes keep the fraction (fast tests)."""
    if seconds >= 1:
        return str(int(-(-seconds // 1)))
    return f"{seconds:.3f}"


def fault_routes(faults: Faults) -> APIRouter:
    """`GET/POST/DELETE /_sandbox/faults`: read, set (see `Faults.apply`) and clear the knobs
    over HTTP. A test knob, not the tool's API: no auth, plain JSON errors."""
    router = APIRouter(prefix="/_sandbox")

    @router.get("/faults")
    async def get_faults() -> JSONResponse:
        return JSONResponse(faults.settings())

    @router.post("/faults")
    async def set_faults(request: Request) -> JSONResponse:
        try:
            body = await request.json()
            faults.apply(body if isinstance(body, dict) else {})
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"detail": f"bad fault settings: {exc}"}, status_code=400)
        return JSONResponse(faults.settings())

    @router.delete("/faults")
    async def reset_faults() -> JSONResponse:
        faults.reset()
        return JSONResponse(faults.settings())

    return router
