"""Processing stored webhook deliveries: a connector's inbox is drained in arrival order, in
batches, each batch through the pipeline in one transaction (one round of look-ups, one commit),
as a poll ingests its pages.

What a delivery names only by id is read back from the tool, and every delete it claims is
confirmed there first (`hub.sync.readback`), one call per remote type for the whole batch.

A delivery that can't be processed never blocks the others: an unreadable one is quarantined
at once, with what is wrong in words; one the database refuses (a NUL character, an id too
long for its column) is found by running the batch again one delivery at a time, and
quarantined with the database's words; one that keeps failing for any other reason is
quarantined after `MAX_INBOX_ATTEMPTS` tries.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy import select, update

from hub.errors import Retriable
from hub.sdk.connector import RemoteRecord, WebhookDelivery, WebhookMalformed, WebhookRejected
from hub.store.sync import InboxItem, InboxState
from hub.sync import readback, storable
from hub.sync.batch import Tally
from hub.sync.comments.jobs import read_threads
from hub.sync.inbound import Ingest
from hub.sync.races import retry_races
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

MAX_INBOX_ATTEMPTS = 10
BATCH = 500  # deliveries per transaction
ROUNDS = 10  # batches per drain: then the connector's polls get their turn


@dataclass
class _Delivery:
    id: str
    delivery_id: str
    body: bytes
    attempts: int
    parsed: WebhookDelivery | None = None
    records: list[RemoteRecord] = field(default_factory=list)  # as the pipeline takes them
    ask: list[RemoteRecord] = field(default_factory=list)  # to read back from the tool first


@dataclass
class Drained:
    """What a drain did, and whether deliveries are still waiting (it stopped early)."""

    tally: Tally = field(default_factory=Tally)
    more: bool = False


async def drain_inbox(rt: Runtime, connector_id: str, *, batch: int = BATCH,
                      rounds: int = ROUNDS) -> Drained:
    """Process the connector's pending deliveries, oldest first, `batch` per transaction, for
    at most `rounds` batches. Stops early when the tool can't be read back from (its
    deliveries wait for the next drain)."""
    out = Drained()
    for _ in range(rounds):
        pending = await asyncio.to_thread(_pending, rt, connector_id, batch)
        if not pending:
            return out
        tally, stalled = await _process(rt, connector_id, pending)
        out.tally.add(tally)
        if stalled:  # tried again at the next sweep, not at once
            return out
        if len(pending) < batch:
            return out
    out.more = True
    return out


async def process_inbox_item(rt: Runtime, item_id: str) -> Tally:
    """Process one stored delivery (if it is still pending), as a drain would."""
    with rt.sessions() as session:
        item = session.get(InboxItem, item_id)
        if item is None or item.state is not InboxState.pending:
            return Tally()
        connector_id = item.connector_id
        one = _Delivery(item.id, item.delivery_id, item.body, item.attempts)
        headers = dict(item.headers)
    tally, _ = await _process(rt, connector_id, [(one, headers)])
    return tally


def pending_items(rt: Runtime, limit: int = 1000) -> list[tuple[str, str]]:
    """(connector id, item id) of deliveries not processed yet, oldest first (for the sweep
    after a crash). Deliveries for a connector this runtime doesn't run wait for it."""
    with rt.sessions() as session:
        rows = session.execute(
            select(InboxItem.connector_id, InboxItem.id)
            .where(InboxItem.state == InboxState.pending,
                   InboxItem.connector_id.in_(list(rt.connectors)))
            .order_by(InboxItem.received_at).limit(limit))
        return [(connector_id, item_id) for connector_id, item_id in rows]


def waiting_connectors(rt: Runtime) -> list[str]:
    """The connectors (of this runtime) with deliveries not processed yet."""
    with rt.sessions() as session:
        return list(session.scalars(
            select(InboxItem.connector_id).distinct()
            .where(InboxItem.state == InboxState.pending,
                   InboxItem.connector_id.in_(list(rt.connectors)))))


def _pending(rt: Runtime, connector_id: str,
             limit: int) -> list[tuple[_Delivery, dict[str, str]]]:
    with rt.sessions() as session:
        rows = session.execute(
            select(InboxItem.id, InboxItem.delivery_id, InboxItem.body, InboxItem.attempts,
                   InboxItem.headers)
            .where(InboxItem.connector_id == connector_id,
                   InboxItem.state == InboxState.pending)
            .order_by(InboxItem.received_at, InboxItem.id).limit(limit))
        return [(_Delivery(i, d, bytes(b), a), dict(h or {})) for i, d, b, a, h in rows]


async def _process(rt: Runtime, connector_id: str,
                   pending: list[tuple[_Delivery, dict[str, str]]]) -> tuple[Tally, bool]:
    """Parse, read back what must be, and ingest; returns the tally and whether the tool could
    not be read (the deliveries that needed it stay pending)."""
    connector = rt.connectors[connector_id]
    tally = Tally()
    readable: list[_Delivery] = []
    try:
        await connector.ensure_lookups()  # ids in deliveries are named through them
    except Retriable as exc:
        _tried(rt, connector_id, [d for d, _ in pending], exc.reason)
        return tally, True
    for delivery, headers in pending:
        try:
            delivery.parsed = readback.parse(connector, headers, delivery.body)
        except (WebhookRejected, WebhookMalformed) as exc:
            # Malformed ones are refused at intake; one stored before is kept where a person
            # sees it, with what is wrong in words.
            _give_up(rt, connector_id, delivery,
                     f"{connector_id} could not read this webhook delivery: {exc}")
            tally.quarantined += 1
            continue
        except Exception as exc:  # a connector's bug must not hold back the deliveries after
            _give_up(rt, connector_id, delivery,
                     f"{connector_id} could not read this webhook delivery: its connector "
                     f"failed on it ({type(exc).__name__}: {exc})")
            tally.quarantined += 1
            continue
        delivery.ask = readback.to_read(delivery.parsed)
        if not delivery.ask:
            delivery.records = list(delivery.parsed.records)
        readable.append(delivery)
    stalled = False
    try:
        readable = await _read_back(rt, connector_id, readable, tally)
    except Retriable as exc:
        # The tool can't be read now: those deliveries wait; the others go ahead.
        stalled = True
        waiting = [d for d in readable if d.ask]
        readable = [d for d in readable if not d.ask]
        _tried(rt, connector_id, waiting, exc.reason)
    if readable:
        # The database work runs in a thread: the event loop (the API, other jobs) goes on.
        tally.add(await asyncio.to_thread(_ingest_all, rt, connector_id, readable))
    await _comment_threads(rt, connector_id, readable)
    return tally, stalled


async def _comment_threads(rt: Runtime, connector_id: str, deliveries: list[_Delivery]) -> None:
    """Read the comment threads the deliveries say changed (a replay reads them again and
    finds nothing new). A tool that can't be read now is read at the next comment poll."""
    threads = list(dict.fromkeys(t for d in deliveries if d.parsed is not None
                                 for t in d.parsed.comment_threads))
    if threads:
        try:
            await read_threads(rt, connector_id, threads, delivery="webhook")
        except Retriable as exc:
            log.info("comments of %s left for the next poll: %s", connector_id, exc.reason)


def _ingest_all(rt: Runtime, connector_id: str, deliveries: list[_Delivery]) -> Tally:
    """The batch in one transaction; if it fails, each delivery in its own."""
    try:
        return retry_races(lambda: _ingest(rt, connector_id, deliveries),
                           f"{len(deliveries)} deliveries to {connector_id}")
    except Exception as exc:  # one bad delivery must not hold back the batch: one at a time
        log.info("a batch of %d deliveries to %s failed (%s); processing them one by one",
                 len(deliveries), connector_id, exc)
        tally = Tally()
        for delivery in deliveries:
            tally.add(_alone(rt, connector_id, delivery))
        return tally


async def _read_back(rt: Runtime, connector_id: str, deliveries: list[_Delivery],
                     tally: Tally) -> list[_Delivery]:
    """Ask the tool about what the deliveries name only by id and every delete they claim, one
    call per type for the whole batch; each delivery gets its records as the pipeline is to
    take them. Returns the deliveries to ingest (one that can't be settled is quarantined)."""
    wanted: dict[str, list[str]] = {}
    for delivery in deliveries:
        for record in delivery.ask:
            ids = wanted.setdefault(record.remote_type, [])
            if record.remote_id not in ids:
                ids.append(record.remote_id)
    if not wanted:
        return deliveries
    current, unreadable = await readback.read(rt.connectors[connector_id], wanted)
    settled: list[_Delivery] = []
    for delivery in deliveries:
        if delivery.ask and delivery.parsed is not None:
            try:
                delivery.records = readback.settle(connector_id, delivery.parsed, current,
                                                   unreadable)
            except WebhookMalformed as exc:
                _give_up(rt, connector_id, delivery,
                         f"{connector_id} could not read this webhook delivery: {exc}")
                tally.quarantined += 1
                continue
            delivery.ask = []
        settled.append(delivery)
    return settled


def _ingest(rt: Runtime, connector_id: str, deliveries: list[_Delivery]) -> Tally:
    records = [r for d in deliveries for r in d.records]
    by_record = {id(r): d.delivery_id for d in deliveries for r in d.records}
    now = rt.clock()
    with rt.sessions.begin() as session:
        tally = Ingest(rt, session, connector_id, delivery="webhook",
                       deliveries=by_record).run(records)
        # One statement for the batch: loading each row (body and all) to set three columns
        # cost as much as the pipeline itself.
        session.execute(update(InboxItem).where(InboxItem.id.in_([d.id for d in deliveries]))
                        .values(state=InboxState.processed, processed_at=now, error=None)
                        .execution_options(synchronize_session=False))
    return tally


def _alone(rt: Runtime, connector_id: str, delivery: _Delivery) -> Tally:
    try:
        return retry_races(lambda: _ingest(rt, connector_id, [delivery]),
                           f"delivery {delivery.delivery_id}")
    except Exception as exc:
        refusal = storable.refused(exc)
        if refusal is None and delivery.attempts + 1 < MAX_INBOX_ATTEMPTS:
            log.warning("delivery %s to %s failed (attempt %d of %d): %s", delivery.delivery_id,
                        connector_id, delivery.attempts + 1, MAX_INBOX_ATTEMPTS, exc)
            _tried(rt, connector_id, [delivery], _first_line(exc))
            return Tally()
        reason = refusal or (f"failed {MAX_INBOX_ATTEMPTS} times; the last time: "
                             f"{_first_line(exc)}")
        _give_up(rt, connector_id, delivery, reason)
        tally = Tally()
        tally.quarantined = 1
        return tally


def _tried(rt: Runtime, connector_id: str, deliveries: list[_Delivery], reason: str) -> None:
    """Count a failed try; a delivery out of tries is quarantined."""
    for delivery in deliveries:
        if delivery.attempts + 1 >= MAX_INBOX_ATTEMPTS:
            _give_up(rt, connector_id, delivery,
                     f"failed {MAX_INBOX_ATTEMPTS} times; the last time: {reason}")
            continue
        with rt.sessions.begin() as session:
            item = session.get_one(InboxItem, delivery.id)
            item.attempts, item.error = item.attempts + 1, storable.scrub(reason)


def _give_up(rt: Runtime, connector_id: str, delivery: _Delivery, reason: str) -> None:
    """Mark the delivery failed and keep it in quarantine with the reason, as the database can
    store it."""
    reason = storable.scrub(reason)
    with rt.sessions.begin() as session:
        item = session.get_one(InboxItem, delivery.id)
        item.state, item.error, item.processed_at = InboxState.failed, reason, rt.clock()
        item.attempts += 1
        session.add(storable.quarantine_item(
            connector_id, reason, {"body": delivery.body.decode("utf-8", "replace")[:10000]},
            rt.clock(), location=f"webhook {delivery.delivery_id}"))
    log.warning("delivery %s to %s quarantined: %s", delivery.delivery_id, connector_id, reason)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__
