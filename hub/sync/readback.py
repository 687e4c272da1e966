"""What a verified webhook delivery says, as records the pipeline can trust.

`parse` is the intake edge: a body the connector can't read is `WebhookMalformed` (answered
400, nothing stored), whatever went wrong inside the connector. `settle` runs when stored
deliveries are processed: the records a delivery named only by id are read back from the tool,
and every delete is confirmed. A tool's "deleted" is an assertion, not proof (a forged or
misdirected delivery must not cost a live record): the object is read back first; the tool
answering that it is gone (not found, or its own deleted or archived state) confirms the
delete, and an object still there refutes it and is refreshed instead. Delete scans read the
tool themselves and need none of this.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import (
    Connector,
    RemoteRecord,
    WebhookDelivery,
    WebhookMalformed,
    WebhookRejected,
)

log = logging.getLogger(__name__)
Key = tuple[str, str]  # (remote type, remote id)


def parse(connector: Connector[ConnectorConfig], headers: Mapping[str, str],
          body: bytes) -> WebhookDelivery:
    """The connector's reading of a verified delivery; `WebhookMalformed` when it has none."""
    try:
        return connector.parse_webhook(headers, body)
    except (WebhookMalformed, WebhookRejected):
        raise
    except (ValueError, LookupError, TypeError, AttributeError, ArithmeticError,
            RecursionError) as exc:
        # The connector let a body it didn't expect through: refuse it all the same, and say
        # so where its authors look.
        log.warning("%s could not read a delivery (%s: %s); refused as malformed",
                    connector.connector_id, type(exc).__name__, exc)
        raise WebhookMalformed(f"the body is not a delivery {connector.kind} sends "
                               "(the connector could not read it)") from None


def to_read(delivery: WebhookDelivery) -> list[RemoteRecord]:
    """The records of `delivery` the tool must be asked about: those named only by id, and
    every claimed delete."""
    return [r for r in delivery.records if r.deleted or delivery.needs_fetch]


async def read(connector: Connector[ConnectorConfig],
               wanted: Mapping[str, list[str]]) -> tuple[dict[Key, RemoteRecord], set[str]]:
    """Ask the tool for the current state of `wanted` (remote type -> ids), one call per type:
    what it has now, and the remote types it can't be asked about (no `fetch`)."""
    current: dict[Key, RemoteRecord] = {}
    unreadable: set[str] = set()
    for remote_type, ids in wanted.items():
        try:
            found = await connector.fetch(remote_type, ids)
        except NotImplementedError:
            unreadable.add(remote_type)
            continue
        current.update({(f.remote_type, f.remote_id): f for f in found})
    return current, unreadable


def settle(connector_id: str, delivery: WebhookDelivery, current: Mapping[Key, RemoteRecord],
           unreadable: set[str]) -> list[RemoteRecord]:
    """The records of `delivery` as the pipeline is to take them, given what the tool answered
    (`read`): fetched where the delivery named only ids, and every delete confirmed (or
    refused, or left for a poll where the tool can't be asked). Raises `WebhookMalformed`
    where a delivery of ids names a type its connector can't read back."""
    out: list[RemoteRecord] = []
    for r in delivery.records:
        now = current.get((r.remote_type, r.remote_id))
        if r.deleted:
            if r.remote_type in unreadable:
                log.warning("%s says %s %s was deleted, and it can't be read back to confirm: "
                            "left as it is for a poll or delete scan to settle",
                            connector_id, r.remote_type, r.remote_id)
            elif now is None or now.deleted:
                out.append(now or r)  # confirmed: the tool doesn't have it
            else:
                log.info("%s says %s %s was deleted, but the tool still has it: refreshed "
                         "instead", connector_id, r.remote_type, r.remote_id)
                out.append(now)
        elif delivery.needs_fetch:
            if r.remote_type in unreadable:
                raise WebhookMalformed(f"it names {r.remote_type} {r.remote_id} by id only, and "
                                       f"{connector_id} can't read {r.remote_type} objects back")
            if now is not None:
                out.append(now)
        else:
            out.append(r)
    return out
