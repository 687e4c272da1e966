"""Webhook intake: verify, store durably, answer; process later from the inbox.

A delivery is acknowledged only after its row is committed. A duplicate (same delivery id or
same body) is acknowledged and dropped, so a tool's retries never apply twice. A body that is
not what the tool sends is refused at once (`WebhookMalformed`, answered 400) and not stored.
Stored deliveries are processed by `hub.sync.deliveries`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.ids import new_id
from hub.redact import REDACTOR
from hub.store.sync import InboxItem, InboxState, WebhookSecret
from hub.sync import readback
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)
#: headers worth keeping with a delivery; signatures and auth never are
_KEPT_HEADERS = ("content-type", "user-agent", "x-atlassian-webhook-identifier",
                 "x-bamboohr-timestamp", "x-hook-secret-present")


class UnknownConnector(LookupError):
    """A webhook for a connector id the config doesn't have (answered 404)."""


class InboxRow(TypedDict):
    """A verified delivery as its `inbox_item` row (a plain dict: intake under load makes one
    per request, and an ORM object costs more than the checks that decide it)."""

    id: str
    connector_id: str
    delivery_id: str
    body_sha256: str
    body: bytes
    headers: dict[str, str]
    state: InboxState
    attempts: int
    received_at: datetime


@dataclass(frozen=True)
class Received:
    """The outcome of storing a delivery."""

    item_id: str | None
    duplicate: bool


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
    `WebhookRejected` on a bad signature and `WebhookMalformed` for a body that is not what the
    tool sends (nothing is stored)."""
    row = accept(rt, connector_id, headers, body, url)
    try:
        with rt.sessions.begin() as session:
            session.add(InboxItem(**row))
    except IntegrityError:
        return Received(None, duplicate=True)
    return Received(row["id"], duplicate=False)


def accept(rt: Runtime, connector_id: str, headers: Mapping[str, str],
           body: bytes, url: str = "") -> InboxRow:
    """Verify one delivery and make its row (not stored yet: see `receive`, and
    `hub.sync.intake` for many at once). Raises `WebhookRejected` on a bad signature and
    `WebhookMalformed` for a body the tool doesn't send."""
    connector = rt.connectors.get(connector_id)
    if connector is None:
        raise UnknownConnector(connector_id)
    _known_secrets(rt, connector_id)
    connector.verify_webhook(headers, body, url=url)
    digest = hashlib.sha256(body).hexdigest()
    delivery_id = readback.parse(connector, headers, body).delivery_id
    lowered = {k.lower(): v for k, v in headers.items()}
    return InboxRow(id=new_id(), connector_id=connector_id, delivery_id=delivery_id[:255],
                    body_sha256=digest, body=body,
                    headers={k: lowered[k] for k in _KEPT_HEADERS if k in lowered},
                    state=InboxState.pending, attempts=0, received_at=rt.clock())
