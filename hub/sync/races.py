"""Transactions that race: two connectors' jobs meet the same new person (or project, or
match key) at once; both see it missing and insert it, and the second commit fails on the
unique key. Run again, the loser finds the winner's row and links to it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)
T = TypeVar("T")


def retry_races(work: Callable[[], T], what: str, attempts: int = 3) -> T:
    """`work()` (one whole transaction), again if it lost a race on a unique key."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except IntegrityError as exc:
            if attempt == attempts:
                raise
            log.info("%s met a concurrent insert (%s); running it again", what,
                     str(exc.orig).splitlines()[0] if exc.orig else exc)
    raise AssertionError("unreachable")
