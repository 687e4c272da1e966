"""Webhook intake under load: deliveries stored many per transaction (a group commit).

Each request still gets its answer only once its row is committed; but one commit serves
every request that arrived while the previous one was being written, so the database's cost
per delivery (a transaction, a sync to disk) shrinks as the load grows. Duplicates are told
apart by the database's unique keys, as in `hub.sync.inbox.receive`.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.types import TypeEngine

from hub.codec import dumps
from hub.store.sync import InboxItem
from hub.sync.dispatch import Job
from hub.sync.inbox import InboxRow, Received, accept
from hub.sync.runtime import Runtime
from hub.sync.wake import ask


class InboxWriter:
    """Verifies deliveries as they come and stores them in shared transactions."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._waiting: list[tuple[InboxRow, asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def receive(self, connector_id: str, headers: Mapping[str, str],
                      body: bytes, url: str = "") -> Received:
        """Verify and durably store one delivery (`url`: the public URL it was sent to);
        `WebhookRejected` on a bad signature, `WebhookMalformed` for a body the tool doesn't
        send."""
        with self.rt.intake.receiving():
            if connector_id not in self.rt.secrets_loaded and \
                    connector_id in self.rt.connectors:
                # A connector's first delivery reads its handshake secrets from the database.
                row = await asyncio.to_thread(accept, self.rt, connector_id, headers, body, url)
            else:
                row = accept(self.rt, connector_id, headers, body, url)  # no database here
            stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._waiting.append((row, stored))
            if self._writing is None or self._writing.done():
                self._writing = asyncio.create_task(self._write_all())
            return Received(row["id"], duplicate=False) if await stored \
                else Received(None, duplicate=True)

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                stored = await asyncio.to_thread(self._write, [row for row, _ in batch])
            except Exception as exc:  # each request answers with the failure (a 5xx)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for row, future in batch:
                if not future.done():
                    future.set_result(row["id"] in stored)

    def _write(self, rows: list[InboxRow]) -> set[str]:
        """Insert the rows that are no duplicates, in one transaction; their ids."""
        with self.rt.sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                stored = set(session.scalars(_INSERT_UNNEST, _as_arrays(rows)))
            else:
                stored = set(session.scalars(_INSERT_SQLITE, rows))
            ask(session, {Job.inbox(r["connector_id"]) for r in rows if r["id"] in stored
                          and r["connector_id"] in self.rt.connectors})
        return stored


_TABLE = typing.cast(Table, InboxItem.__table__)  # Core statements: no ORM bulk insert path
_COLUMNS = tuple(InboxRow.__annotations__)
#: SQLite: INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING RETURNING id
_INSERT_SQLITE = sqlite.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id)


def _insert_unnest() -> Any:
    """PostgreSQL: the batch as one array per column, unnested into rows. The statement is the
    same whatever the batch's size, so psycopg parses and prepares it once; a VALUES list of
    nine parameters a row is new text for every size, and reading its placeholders cost more
    than the rest of the intake's database work."""
    element: dict[str, TypeEngine[Any]] = {
        "body": LargeBinary(), "headers": Text(), "attempts": Integer(),
        "received_at": DateTime(timezone=True)}
    arrays = [cast(bindparam(name), ARRAY(element.get(name, String()))) for name in _COLUMNS]
    batch = func.unnest(*arrays).table_valued(*_COLUMNS).render_derived(name="batch")
    rows = select(*(cast(batch.c[name], JSONB) if name == "headers" else batch.c[name]
                    for name in _COLUMNS))
    return postgresql.insert(_TABLE).from_select(list(_COLUMNS), rows) \
        .on_conflict_do_nothing().returning(_TABLE.c.id)


_INSERT_UNNEST = _insert_unnest()


def _as_arrays(rows: list[InboxRow]) -> dict[str, list[Any]]:
    """The rows as one list per column (`_INSERT_UNNEST`'s parameters)."""
    arrays: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    for row in rows:
        for name, value in row.items():
            arrays[name].append(value)
    arrays["headers"] = [dumps(headers) for headers in arrays["headers"]]
    arrays["state"] = [str(state) for state in arrays["state"]]
    return arrays
