"""Job functions. They take a `Runtime` and ids, and don't know who runs them: the embedded
runner in `hub serve`, `hub sync` in the foreground, or a job queue when scaled out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from functools import partial

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.errors import HubError, Retriable
from hub.sdk.connector import PollPage, RemoteRecord, WebhookTarget
from hub.store.sync import IntentState, Link, PushIntent, SyncCursor
from hub.sync import handshakes, preview
from hub.sync.batch import Tally
from hub.sync.deliveries import drain_inbox, pending_items, process_inbox_item
from hub.sync.inbound import Ingest
from hub.sync.push import PushOutcome, push_intent
from hub.sync.races import retry_races
from hub.sync.runtime import Runtime

__all__ = [
    "PushOutcome",
    "drain_inbox",
    "due_intents",
    "due_pushes",
    "pending_items",
    "poll_connector",
    "process_inbox_item",
    "push_due",
    "push_intent",
    "push_lane",
    "register_webhooks",
    "scan_deletes",
]


async def poll_connector(rt: Runtime, connector_id: str, *, full: bool = False,
                         dry_run: bool = False,
                         on_page: Callable[[PollPage, Tally], None] | None = None) -> Tally:
    """Read what changed since the stored cursor (everything with `full`) and ingest it batch
    by batch; each batch of pages and its cursor commit together, so a crash re-reads at most
    one batch. With `dry_run` every batch is rolled back: the tally says what would change."""
    connector = rt.connectors[connector_id]
    with rt.sessions() as session:
        row = session.get(SyncCursor, (connector_id, "default"))
        cursor = None if full or row is None else row.value
    total = Tally()
    try:
        async for page in _batches(connector.poll(cursor)):
            # The database work runs in a thread, so the next page downloads meanwhile.
            tally = await asyncio.to_thread(
                retry_races, partial(_ingest_page, rt, connector_id, page, dry_run),
                f"a page of {connector_id}")
            total.add(tally)
            if on_page:
                on_page(page, tally)
    except HubError as exc:
        if not dry_run:
            with rt.sessions.begin() as session:
                row = SyncCursor.of(session, connector_id, "default")
                row.last_error, row.last_error_at = str(exc), rt.clock()
        raise
    if not dry_run:
        with rt.sessions.begin() as session:
            row = SyncCursor.of(session, connector_id, "default")
            row.last_success_at, row.last_error = rt.clock(), None
    return total


def _ingest_page(rt: Runtime, connector_id: str, page: PollPage, dry_run: bool) -> Tally:
    """One page and its cursor, in one transaction (rolled back for a dry run)."""
    with rt.sessions() as session:
        since = preview.mark(session) if dry_run else 0
        ingest = Ingest(rt, session, connector_id, delivery="poll")
        tally = ingest.run(page.records)
        if page.rejected:
            ingest.reject(page.rejected)
        if dry_run:  # what it would change, field by field, read back before the rollback
            tally.changes = preview.changes(session, since, connector_id, ingest.now)
            session.rollback()
        else:
            _save_cursor(rt, session, connector_id, page)
            session.commit()
    return tally


async def _batches(pages: AsyncIterator[PollPage], ahead: int = 10,
                   most: int = 1000) -> AsyncIterator[PollPage]:
    """The same pages, read up to `ahead` pages in advance by a task of their own, and handed
    on in batches: the pages that piled up while the database was busy are ingested together
    (one transaction, one round of look-ups; a group commit), up to `most` records."""
    queue: asyncio.Queue[PollPage | BaseException | None] = asyncio.Queue(maxsize=ahead)

    async def read() -> None:
        try:
            async for page in pages:
                await queue.put(page)
            await queue.put(None)
        except Exception as exc:  # handed to the consumer, which raises it in its own frame
            await queue.put(exc)

    reader = asyncio.create_task(read())
    held: list[PollPage | BaseException | None] = []  # taken, but for the next batch
    try:
        while True:
            first = held.pop() if held else await queue.get()
            if first is None:
                return
            if isinstance(first, BaseException):
                raise first
            batch, size = [first], len(first.records)
            while size < most and not queue.empty():
                item = queue.get_nowait()
                if not isinstance(item, PollPage) or item.stream != first.stream or \
                        item.part != first.part or size + len(item.records) > most:
                    # the end, a failure, another stream or part: after this batch
                    held.append(item)
                    break
                batch.append(item)
                size += len(item.records)
            yield _merged(batch)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def _merged(pages: list[PollPage]) -> PollPage:
    """Consecutive pages of one stream (and part) as one: their records in order, the last
    cursor."""
    if len(pages) == 1:
        return pages[0]
    cursors = [p.cursor for p in pages if p.cursor is not None]
    return PollPage([r for p in pages for r in p.records], cursors[-1] if cursors else None,
                    pages[0].stream, [r for p in pages for r in p.rejected], part=pages[0].part,
                    progress=pages[-1].progress)


def _save_cursor(rt: Runtime, session: Session, connector_id: str, page: PollPage) -> None:
    if page.cursor is None:
        return
    row = SyncCursor.of(session, connector_id, page.stream)
    row.value = page.cursor
    row.updated_at = rt.clock()


def due_intents(rt: Runtime, limit: int = 1000) -> list[str]:
    """Ids of push intents whose time has come, oldest first. Intents for a connector this
    runtime doesn't run (disabled) wait for it."""
    return [intent_id for _connector, intent_id in due_pushes(rt, limit)]


async def scan_deletes(rt: Runtime, connector_id: str) -> Tally:
    """Compare the ids in the connector's scope with its live links; the missing ones are
    tombstones (deleted, or moved out of scope, without a webhook saying so)."""
    connector = rt.connectors[connector_id]
    total = Tally()
    for remote_type in connector.remote_types:
        try:
            present = await connector.list_ids(remote_type)
        except NotImplementedError:
            continue
        with rt.sessions() as session:
            known = list(session.scalars(select(Link.remote_id).where(
                Link.connector_id == connector_id, Link.remote_type == remote_type,
                Link.deleted_at.is_(None))))
        gone = [RemoteRecord(remote_type, remote_id, {}, updated_at=rt.clock(), deleted=True)
                for remote_id in known if remote_id not in present]
        for start in range(0, len(gone), 500):
            with rt.sessions.begin() as session:
                total.add(Ingest(rt, session, connector_id, delivery="delete-scan")
                          .run(gone[start:start + 500]))
    return total


async def register_webhooks(rt: Runtime, connector_id: str, within: float = 30.0) -> int:
    """Have the tool send webhooks to this hub's public URL (idempotent). Waits until the hub
    answers there first: tools like Asana call back during registration."""
    base = rt.config.server.public_url
    if not base:
        return 0
    async with httpx.AsyncClient(timeout=2.0) as client:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            try:
                if (await client.get(f"{base.rstrip('/')}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise Retriable(f"the hub does not answer at its public URL {base}")
            await asyncio.sleep(0.2)  # the server is still starting
    url = f"{base.rstrip('/')}/webhooks/{connector_id}"

    async def one_time() -> str:  # written before the tool calls back, on any replica
        return await asyncio.to_thread(handshakes.one_time_url, rt, connector_id, url)

    try:
        return await rt.connectors[connector_id].register_webhooks(WebhookTarget(url, one_time))
    except NotImplementedError:
        return 0


def due_pushes(rt: Runtime, limit: int = 1000) -> list[tuple[str, str]]:
    """(connector id, intent id) of the intents whose time has come, oldest first."""
    return [(connector_id, intent_id) for connector_id, intent_id, _ in due_of(rt, limit=limit)]


def due_counts(rt: Runtime) -> dict[str, int]:
    """How many intents are due, per connector (the sweep's lanes)."""
    with rt.sessions() as session:
        return {connector_id: int(count) for connector_id, count in session.execute(
            select(PushIntent.connector_id, func.count()).where(
                PushIntent.state == IntentState.pending,
                PushIntent.connector_id.in_(list(rt.connectors)),
                PushIntent.next_attempt_at <= rt.clock())
            .group_by(PushIntent.connector_id))}


def due_of(rt: Runtime, connector_id: str | None = None,
           limit: int = 1000) -> list[tuple[str, str, str]]:
    """(connector id, intent id, record id) of the due intents (of one connector), oldest
    first."""
    connectors = [connector_id] if connector_id else list(rt.connectors)
    with rt.sessions() as session:
        rows = session.execute(
            select(PushIntent.connector_id, PushIntent.id, PushIntent.record_id).where(
                PushIntent.state == IntentState.pending,
                PushIntent.connector_id.in_(connectors),
                PushIntent.next_attempt_at <= rt.clock())
            .order_by(PushIntent.next_attempt_at).limit(limit))
        return [(c, i, r) for c, i, r in rows]


async def push_lane(rt: Runtime, connector_id: str, lane: int = 0,
                    lanes: int = 1) -> list[PushOutcome]:
    """Push the connector's due intents, oldest first, until none is left that no other lane
    holds; those the pushes made due meanwhile are pushed too. Lanes of one connector run side
    by side: each push holds the connector's gate shared and claims its record (a record
    another lane is pushing is left to it); lane `lane` of `lanes` starts its turn at its own
    share of the list, so lanes rarely reach for the same record. Each intent is pushed at
    most once per call: one its own push left due again (a change came in meanwhile, or a
    tool keeps answering with something else) is asked for again a moment later
    (`hub.sync.wake.AGAIN_AFTER`), never in a tight loop."""
    outcomes: list[PushOutcome] = []
    pushed: set[str] = set()
    while True:
        due = [(i, r) for _, i, r in await asyncio.to_thread(due_of, rt, connector_id)
               if i not in pushed]
        start = len(due) * lane // max(lanes, 1)
        progressed = False
        for intent_id, record_id in due[start:] + due[:start]:
            if intent_id in pushed:
                continue
            async with rt.gate.pushing(connector_id, record_id) as mine:
                if not mine:
                    continue
                pushed.add(intent_id)
                progressed = True
                outcomes.append(await push_intent(rt, intent_id))
        if not progressed:
            return outcomes


async def push_due(rt: Runtime) -> list[PushOutcome]:
    """Push every due intent, in order, then those the pushes made due (a tool's answer may
    change a record for the other tools), until none is left (the foreground path).

    Each intent is pushed at most once per call: one a tool keeps answering differently to
    stays for later instead of keeping this call busy.
    """
    outcomes: list[PushOutcome] = []
    pushed: set[str] = set()
    while due := [i for i in due_intents(rt) if i not in pushed]:
        for intent_id in due:
            pushed.add(intent_id)
            outcomes.append(await push_intent(rt, intent_id))
    return outcomes
