"""What a verified webhook delivery says, as records the pipeline can trust.

`parse` is the intake edge: a body the connector can't read is `WebhookMalformed` (answered
400, nothing stored), whatever went wrong inside the connector. `read` is what the inbox
worker runs: the records a delivery names, read back from the tool where it sent only ids, and
its deletes confirmed. A tool's "deleted" is an assertion, not proof (a forged or misdirected
delivery must not cost a live record): the object is read back first; the tool answering that
it is gone (not found, or its own deleted or archived state) confirms the delete, and an object
still there refutes it and is refreshed instead. Delete scans read the tool themselves and need
none of this.
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


async def read(connector: Connector[ConnectorConfig], headers: Mapping[str, str],
               body: bytes) -> list[RemoteRecord]:
    """The records of a stored delivery as the pipeline is to take them: fetched where the
    delivery named only ids, and every delete confirmed by the tool (or dropped)."""
    delivery = parse(connector, headers, body)
    records = list(delivery.records)
    wanted: dict[str, list[str]] = {}
    for r in records:
        if r.deleted or delivery.needs_fetch:
            wanted.setdefault(r.remote_type, []).append(r.remote_id)
    current: dict[tuple[str, str], RemoteRecord] = {}
    readable = True
    for remote_type, ids in wanted.items():
        try:
            found = await connector.fetch(remote_type, ids)
        except NotImplementedError:
            if delivery.needs_fetch:
                raise
            readable = False
            continue
        current.update({(f.remote_type, f.remote_id): f for f in found})
    out: list[RemoteRecord] = []
    for r in records:
        now = current.get((r.remote_type, r.remote_id))
        if r.deleted:
            if not readable:
                log.warning("%s says %s %s was deleted, and it can't be read back to confirm: "
                            "left as it is for a poll or delete scan to settle",
                            connector.connector_id, r.remote_type, r.remote_id)
            elif now is None or now.deleted:
                out.append(now or r)  # confirmed: the tool doesn't have it
            else:
                log.info("%s says %s %s was deleted, but the tool still has it: refreshed "
                         "instead", connector.connector_id, r.remote_type, r.remote_id)
                out.append(now)
        elif delivery.needs_fetch:
            if now is not None:
                out.append(now)
        else:
            out.append(r)
    return out
