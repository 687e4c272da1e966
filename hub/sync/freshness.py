"""Which of two deliveries of one remote object is newer, by the tool's change time and then
its version: polls and webhooks overlap and arrive out of order, and only the newest counts."""

from __future__ import annotations

from hub.sdk.connector import RemoteRecord
from hub.store.sync import Link


def newer(a: RemoteRecord, b: RemoteRecord) -> bool:
    """`a` is the later state (or the same one again: the later in a batch wins)."""
    if a.updated_at and b.updated_at and a.updated_at != b.updated_at:
        return a.updated_at > b.updated_at
    return _version_newer(a.version, b.version) or a.version == b.version


def is_stale(link: Link, record: RemoteRecord) -> bool:
    """A delivery older than what the link has seen (or the same one again)."""
    if link.remote_updated_at is None or record.updated_at is None:
        return False
    if record.updated_at != link.remote_updated_at:
        return record.updated_at < link.remote_updated_at
    return not _version_newer(record.version, link.remote_version)


def _version_newer(a: str | None, b: str | None) -> bool:
    try:
        return a is not None and b is not None and int(a) > int(b)
    except ValueError:
        return False


def is_older(link: Link, record: RemoteRecord) -> bool:
    """A delivery of a state before the one the link has seen (the same one is not older)."""
    if link.remote_updated_at is None or record.updated_at is None:
        return False
    if record.updated_at != link.remote_updated_at:
        return record.updated_at < link.remote_updated_at
    return _version_newer(link.remote_version, record.version)
