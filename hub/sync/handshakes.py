"""Webhook handshakes (Asana's `X-Hook-Secret`): accepted only for a registration the hub has
in flight.

A handshake agrees the secret that signs every later delivery, so whoever completes one can
send the hub deliveries it trusts. The hub registers each webhook at an address carrying a
one-time, unguessable token (`one_time_url`), kept as a hash in the database (any replica may
receive the tool's call) for `WINDOW`; the handshake that presents it is accepted and the token
is spent (`take`, one DELETE: two replicas can't both accept it). Every other handshake is
refused with 401 and logged as a warning.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import delete

from hub.redact import REDACTOR
from hub.sdk.connector import WebhookRejected
from hub.store.sync import WebhookHandshake, WebhookSecret
from hub.sync.inbox import UnknownConnector
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

#: the query parameter carrying the token
PARAMETER = "hub_handshake"
#: how long a registration may take to call back
WINDOW = timedelta(minutes=10)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def one_time_url(rt: Runtime, connector_id: str, url: str) -> str:
    """`url` with a fresh token that the hub accepts for one handshake within `WINDOW`."""
    token = secrets.token_urlsafe(32)
    now = rt.clock()
    with rt.sessions.begin() as session:
        session.execute(delete(WebhookHandshake).where(WebhookHandshake.expires_at <= now))
        session.add(WebhookHandshake(connector_id=connector_id, digest=_digest(token),
                                     created_at=now, expires_at=now + WINDOW))
    return f"{url}{'&' if '?' in url else '?'}{PARAMETER}={token}"


def take(rt: Runtime, connector_id: str, token: str) -> bool:
    """Spend a token: True once for a token `one_time_url` gave out and not expired."""
    with rt.sessions.begin() as session:
        spent = session.execute(delete(WebhookHandshake).where(
            WebhookHandshake.connector_id == connector_id,
            WebhookHandshake.digest == _digest(token),
            WebhookHandshake.expires_at > rt.clock()))
    return bool(getattr(spent, "rowcount", 0) == 1)


def handshake(rt: Runtime, connector_id: str, headers: Mapping[str, str],
              token: str | None, peer: str | None = None) -> dict[str, str] | None:
    """The headers answering a webhook handshake, keeping the secret it agrees; None when the
    request is an ordinary delivery. `WebhookRejected` unless `token` is one the hub gave out
    for a registration of this connector and has not been spent."""
    connector = rt.connectors.get(connector_id)
    if connector is None:
        raise UnknownConnector(connector_id)
    agreed = connector.handshake(headers)
    if agreed is None:
        return None
    if not token or not take(rt, connector_id, token):
        why = "without the one-time token of a registration" if not token else \
            "with a token that is unknown, spent or expired"
        log.warning("refused a webhook handshake for %s from %s %s: the hub registered no "
                    "webhook there that waits for one", connector_id, peer or "an unknown peer",
                    why)
        raise WebhookRejected(f"handshake refused: {connector_id} has no webhook registration "
                              "waiting for it")
    digest = _digest(agreed.secret)
    with rt.sessions.begin() as session:
        if session.get(WebhookSecret, (connector_id, digest)) is None:
            session.add(WebhookSecret(connector_id=connector_id, digest=digest,
                                      secret=agreed.secret, created_at=rt.clock()))
    connector.webhook_secrets.add(agreed.secret)
    REDACTOR.register([agreed.secret])
    log.info("webhook handshake for %s accepted", connector_id)
    return agreed.headers
