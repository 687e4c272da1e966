"""Stage 2 of the inbound pipeline (DESIGN §3): a batch of remote records normalised
through the connector's mapping into canonical values, one item per remote object."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from hub.mapping import Lookups, MappingError
from hub.mapping.values import to_json
from hub.sdk.connector import RemoteRecord
from hub.sync import storable
from hub.sync.batch import BatchItem, Tally
from hub.sync.freshness import newer
from hub.sync.lookups import batch_lookups
from hub.sync.runtime import Runtime


def normalise(rt: Runtime, session: Session, connector_id: str,
              records: Sequence[RemoteRecord], tally: Tally,
              quarantine: Callable[[RemoteRecord, str], None]) -> list[BatchItem]:
    """The batch's records in canonical terms, the newest state of each object once; what
    can't be mapped or stored goes to `quarantine` with its reason, what this connector
    doesn't exchange is skipped."""
    newest: dict[tuple[str, str], BatchItem] = {}
    lookups: Lookups | None = None
    for record in records:
        try:
            mapping = rt.type_mapping(connector_id, record.remote_type)
            item = BatchItem(record, mapping.entity, raw_of=mapping.raw_of, mapping=mapping)
            if lookups is None and mapping.lookups:
                lookups = batch_lookups(rt, session, connector_id)
            if not record.deleted:
                normalised = mapping.inbound(record.payload, lookups)
                item.values = {k: to_json(v) for k, v in normalised.values.items()}
                item.sources = normalised.sources
                if rt.aliases:
                    rt.aliases.apply(connector_id, item.entity, record.remote_id, item.values)
        except MappingError as exc:
            quarantine(record, str(exc))
            continue
        if (refusal := storable.problem(record, item.values)) is not None:
            quarantine(record, f"{record.remote_type} {record.remote_id[:80]}: {refusal}")
            continue
        if not rt.exchanges(connector_id, item.entity):
            tally.count("skipped", item.entity)
            continue
        key = (record.remote_type, record.remote_id)
        # The same object twice in one batch (poll overlap): keep the newest state.
        if key not in newest or newer(record, newest[key].record):
            newest[key] = item
        else:
            tally.count("stale", item.entity)
    return list(newest.values())
