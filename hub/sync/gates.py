"""A connector's gate: a poll or a drain of its deliveries holds it alone, each push to it holds
it shared. Pushes to different records of one tool run side by side; none of them runs while
the tool is being read as the truth, so its half-way states (the hops of a multi-step Jira
transition) are never taken for a person's edits.

A push also claims its record: two pushes to one record of one tool never run side by side
(the second would find the first's half-way state, or create the counterpart twice).

`OpenGate` is for one caller at a time (`hub sync`, tests), `LocalGate` for the embedded runner,
and the queue's workers hold PostgreSQL advisory locks (`hub.sync.queue`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Gate(Protocol):
    """Who may touch a connector now."""

    def exclusive(self, connector_id: str) -> AbstractAsyncContextManager[None]:
        """Held alone: no push runs meanwhile."""
        ...

    def shared(self, connector_id: str) -> AbstractAsyncContextManager[None]:
        """Held beside other pushes; waits while the connector is held alone."""
        ...

    def pushing(self, connector_id: str, record_id: str) -> AbstractAsyncContextManager[bool]:
        """Held shared, with the record claimed if no other push has it: yields whether it
        was claimed (if not, the caller leaves that record to the push that has it)."""
        ...


class OpenGate:
    """No gate: the caller runs one thing at a time anyway."""

    @contextlib.asynccontextmanager
    async def exclusive(self, connector_id: str) -> AsyncIterator[None]:
        yield

    @contextlib.asynccontextmanager
    async def shared(self, connector_id: str) -> AsyncIterator[None]:
        yield

    @contextlib.asynccontextmanager
    async def pushing(self, connector_id: str, record_id: str) -> AsyncIterator[bool]:
        yield True


class _ReadWrite:
    """A readers-writer lock where a waiting writer goes first: pushes keep coming, and the
    poll waiting for them must not wait forever."""

    def __init__(self) -> None:
        self.readers = 0
        self.writer = False
        self.writers_waiting = 0
        self.changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self.changed:
            self.writers_waiting += 1
            try:
                await self.changed.wait_for(lambda: not self.writer and not self.readers)
            finally:
                self.writers_waiting -= 1
            self.writer = True
        try:
            yield
        finally:
            async with self.changed:
                self.writer = False
                self.changed.notify_all()

    @contextlib.asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        async with self.changed:
            await self.changed.wait_for(lambda: not self.writer and not self.writers_waiting)
            self.readers += 1
        try:
            yield
        finally:
            async with self.changed:
                self.readers -= 1
                self.changed.notify_all()


class LocalGate:
    """Gates of this process's event loop (the embedded runner)."""

    def __init__(self) -> None:
        self._locks: dict[str, _ReadWrite] = {}
        self._claimed: set[tuple[str, str]] = set()

    def _of(self, connector_id: str) -> _ReadWrite:
        return self._locks.setdefault(connector_id, _ReadWrite())

    def exclusive(self, connector_id: str) -> AbstractAsyncContextManager[None]:
        return self._of(connector_id).exclusive()

    def shared(self, connector_id: str) -> AbstractAsyncContextManager[None]:
        return self._of(connector_id).shared()

    @contextlib.asynccontextmanager
    async def pushing(self, connector_id: str, record_id: str) -> AsyncIterator[bool]:
        key = (connector_id, record_id)
        async with self.shared(connector_id):
            if key in self._claimed:
                yield False
                return
            self._claimed.add(key)
            try:
                yield True
            finally:
                self._claimed.discard(key)
