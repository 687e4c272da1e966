"""Tombstones in the inbound pipeline, and their undoing.

A remote object the tool deleted leaves its link tombstoned, and the record too once no tool
holds it any more (rows stay, as tombstones). When a tool shows a tombstoned object again (a
poll or delivery reads it, a full re-sync finds it, a row is back in the next export), the
link and the record come back: the undelete is audited (`restore`), the rules see the record
as new, and the other tools are written to as the policies say. The tool's identity decides:
the same remote id is the same object; a new id is a new object, and a new record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.model.enums import Entity
from hub.sdk.connector import RemoteRecord
from hub.store.canonical import RecordMixin
from hub.store.sync import Link
from hub.sync import refusals
from hub.sync.freshness import is_older, is_stale

if TYPE_CHECKING:
    from hub.sync.inbound import Ingest

#: deliveries that read the tool's present state (what a delivery carries may be an old state)
_READS = frozenset({"poll", "pre-read", "push"})


def shows_again(link: Link, record: RemoteRecord, delivery: str) -> bool:
    """Whether a live `record` of a tombstoned `link` means the object is there again: a later
    state than the link saw, or (for a read of the tool) the same one: a delete the tool never
    made (one taken on a forged webhook's word) is undone by the next full read."""
    if delivery in _READS:
        return not is_older(link, record)
    return not is_stale(link, record)


def tombstone(ingest: Ingest, link: Link | None, record: RemoteRecord,
              loaded: dict[Entity, dict[str, RecordMixin]], entity: Entity) -> None:
    """The tool deleted the object: tombstone its link, and the record if no tool has it."""
    if link is None or link.deleted_at is not None:
        ingest.tally.count("unchanged", entity)
        return
    link.deleted_at = ingest.now
    link.remote_updated_at = record.updated_at or link.remote_updated_at
    ingest.tally.count("deleted", entity)
    refusals.forget(ingest.session, link.entity, link.record_id, link.connector_id)
    others = ingest.session.query(Link).filter(
        Link.entity == link.entity, Link.record_id == link.record_id,
        Link.deleted_at.is_(None), Link.id != link.id).count()
    canonical = loaded.get(link.entity, {}).get(link.record_id)
    if others == 0 and canonical is not None and canonical.deleted_at is None:
        # The last tool holding it deleted it: the record is gone (kept as a tombstone).
        canonical.deleted_at = ingest.now
        canonical.version += 1
        ingest.audit(link.entity, canonical.id, "delete", link, {}, record)
        ingest.changes.deleted(link.entity, canonical.id)
        refusals.forget(ingest.session, link.entity, canonical.id)


def restore(ingest: Ingest, link: Link | None, canonical: RecordMixin | None,
            entity: Entity) -> None:
    """The tool shows the object of a tombstoned `link` (or a person of a deleted record)
    again: the link lives, and the record with it; the pipeline then applies its values."""
    if link is not None and link.deleted_at is not None:
        link.deleted_at = None
        ingest.tally.count("restored", entity)
    if canonical is not None and canonical.deleted_at is not None:
        canonical.deleted_at = None
        canonical.version += 1
        ingest.audit(entity, canonical.id, "restore", link, {})
        ingest.changes.created(entity, canonical.id)  # back: to the rules, a new record
        if link is None:
            ingest.tally.count("restored", entity)
