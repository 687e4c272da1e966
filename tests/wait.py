"""Waiting for background work in tests: check a condition until it holds or a deadline passes.

Never a bare sleep: the loop ends as soon as the condition holds, and fails with `what` when the
deadline passes first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL = 0.02  # seconds between checks


def until(condition: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """Block until `condition()` is true; AssertionError naming `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        time.sleep(POLL)


async def eventually(condition: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """`until` for async tests: checks between turns of the event loop."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(POLL)
