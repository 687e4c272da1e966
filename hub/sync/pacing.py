"""Webhook intake first: in the process that takes deliveries (embedded `hub serve`), a drain
asked for while intake is busy starts a moment later (`EmbeddedRunner`), so the deliveries are
processed in fewer, larger batches and the requests waiting for their 2xx get the CPU first.
It waits before it takes its connector's gate: pushes are not held up.

Nothing waits on this for its safety: a delivery is durable before it is answered, and one
not drained yet is drained a moment later (or by the sweep). A process that takes no
deliveries (a `hub worker`) is never busy and never waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: deliveries between their arrival and their commit at one moment: intake is under load
BUSY = 8
#: how much later a drain starts under load; a batch's fixed cost (look-ups, rules) is shared
#: by what arrived meanwhile
PAUSE = 0.2


class IntakeLoad:
    """How many deliveries this process is taking right now (on its event loop)."""

    def __init__(self) -> None:
        self.in_flight = 0

    @contextmanager
    def receiving(self) -> Iterator[None]:
        """Count one delivery from its arrival until it is answered."""
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    @property
    def busy(self) -> bool:
        """Whether intake is under load now."""
        return self.in_flight >= BUSY
