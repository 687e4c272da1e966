"""Webhook intake: verify, store durably, answer; process later from the inbox.

A delivery is acknowledged only after its row is committed. A duplicate (same delivery id or
same body) is acknowledged and dropped, so a tool's retries never apply twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.errors import Retriable
from hub.redact import REDACTOR
from hub.sdk.connector import RemoteRecord, WebhookRejected
from hub.store.sync import InboxItem, InboxState, QuarantineItem, WebhookSecret
from hub.sync.batch import Tally
from hub.sync.inbound import Ingest
from hub.sync.races import retry_races
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)
#: headers worth keeping with a delivery; signatures and auth never are
_KEPT_HEADERS = ("content-type", "user-agent", "x-atlassian-webhook-identifier",
                 "x-bamboohr-timestamp", "x-hook-secret-present")
MAX_INBOX_ATTEMPTS = 10


class UnknownConnector(LookupError):
    """A webhook for a connector id the config doesn't have (answered 404)."""


@dataclass(frozen=True)
class Received:
    """The outcome of storing a delivery."""

    item_id: str | None
    duplicate: bool


def handshake(rt: Runtime, connector_id: str,
              headers: Mapping[str, str]) -> dict[str, str] | None:
    """Answer a webhook handshake (the headers to send back), keeping the agreed secret; None
    when the request is an ordinary delivery."""
    connector = rt.connectors.get(connector_id)
    if connector is None:
        raise UnknownConnector(connector_id)
    agreed = connector.handshake(headers)
    if agreed is None:
        return None
    digest = hashlib.sha256(agreed.secret.encode()).hexdigest()
    with rt.sessions.begin() as session:
        if session.get(WebhookSecret, (connector_id, digest)) is None:
            session.add(WebhookSecret(connector_id=connector_id, digest=digest,
                                      secret=agreed.secret, created_at=rt.clock()))
    connector.webhook_secrets.add(agreed.secret)
    REDACTOR.register([agreed.secret])
    return agreed.headers


def _known_secrets(rt: Runtime, connector_id: str) -> None:
    """Hand the secrets of earlier handshakes to the connector (once per process)."""
    connector = rt.connectors[connector_id]
    if connector_id in rt.secrets_loaded:
        return
    with rt.sessions() as session:
        secrets = list(session.scalars(select(WebhookSecret.secret).where(
            WebhookSecret.connector_id == connector_id)))
    connector.webhook_secrets.update(secrets)
    REDACTOR.register(secrets)
    rt.secrets_loaded.add(connector_id)


def receive(rt: Runtime, connector_id: str, headers: Mapping[str, str], body: bytes,
            url: str = "") -> Received:
    """Verify and durably store one delivery (`url`: the public URL it was sent to). Raises
    `WebhookRejected` on a bad signature."""
    connector = rt.connectors.get(connector_id)
    if connector is None:
        raise UnknownConnector(connector_id)
    _known_secrets(rt, connector_id)
    connector.verify_webhook(headers, body, url=url)
    digest = hashlib.sha256(body).hexdigest()
    try:
        delivery_id = connector.parse_webhook(headers, body).delivery_id
    except (WebhookRejected, ValueError, KeyError, TypeError):
        delivery_id = f"sha256:{digest}"  # unreadable: kept, and quarantined when processed
    lowered = {k.lower(): v for k, v in headers.items()}
    item = InboxItem(connector_id=connector_id, delivery_id=delivery_id[:255],
                     body_sha256=digest, body=body,
                     headers={k: lowered[k] for k in _KEPT_HEADERS if k in lowered},
                     received_at=rt.clock())
    try:
        with rt.sessions.begin() as session:
            session.add(item)
    except IntegrityError:
        return Received(None, duplicate=True)
    return Received(item.id, duplicate=False)


async def process_inbox_item(rt: Runtime, item_id: str) -> Tally:
    """Run a stored delivery through the pipeline; unreadable ones are quarantined."""
    with rt.sessions() as session:
        item = session.get(InboxItem, item_id)
        if item is None or item.state is not InboxState.pending:
            return Tally()
        connector_id, body, headers = item.connector_id, item.body, dict(item.headers)
        delivery_id = item.delivery_id
    connector = rt.connectors[connector_id]
    try:
        await connector.ensure_lookups()
        delivery = connector.parse_webhook(headers, body)
        records: list[RemoteRecord] = list(delivery.records)
        if delivery.needs_fetch and records:
            by_type: dict[str, list[str]] = {}
            for r in records:
                if not r.deleted:
                    by_type.setdefault(r.remote_type, []).append(r.remote_id)
            fetched = [rec for t, ids in by_type.items() for rec in await connector.fetch(t, ids)]
            records = [r for r in records if r.deleted] + fetched
    except Retriable as exc:
        with rt.sessions.begin() as session:
            item = session.get_one(InboxItem, item_id)
            item.attempts += 1
            item.error = exc.reason
            if item.attempts >= MAX_INBOX_ATTEMPTS:
                item.state = InboxState.failed
        return Tally()
    except (WebhookRejected, ValueError, KeyError, TypeError) as exc:
        with rt.sessions.begin() as session:
            item = session.get_one(InboxItem, item_id)
            item.state, item.error, item.processed_at = InboxState.failed, str(exc), rt.clock()
            session.add(QuarantineItem(connector_id=connector_id, location=f"webhook {delivery_id}",
                                       reason=f"unreadable delivery: {exc}",
                                       payload={"body": body.decode("utf-8", "replace")[:10000]},
                                       created_at=rt.clock()))
        tally = Tally()
        tally.quarantined = 1
        return tally

    def ingest() -> Tally:
        with rt.sessions.begin() as session:
            tally = Ingest(rt, session, connector_id, delivery=delivery_id).run(records)
            item = session.get_one(InboxItem, item_id)
            item.state, item.processed_at, item.error = InboxState.processed, rt.clock(), None
        return tally

    return retry_races(ingest, f"delivery {delivery_id}")


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
