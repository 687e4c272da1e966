"""What the database can keep: a record the pipeline can't store is quarantined with a sentence
saying why, before it reaches a statement that would fail (and fail again at every retry).

PostgreSQL refuses a NUL character in text and JSON (`\\u0000`), and the hub's id columns hold
255 characters. SQLite would take both, so the same checks run there: a delivery is treated
the same on either database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError

from hub.sdk.connector import RemoteRecord
from hub.store.sync import QuarantineItem

MAX_ID = 255  # link.remote_id, quarantine_item.remote_id, link.remote_version
NUL = "\x00"


def problem(record: RemoteRecord, values: Mapping[str, Any]) -> str | None:
    """Why the database can't keep `record` with its canonical `values`, or None."""
    for name, text in (("id", record.remote_id), ("type", record.remote_type),
                       ("version", record.version or "")):
        if len(text) > MAX_ID:
            return f"its {name} is {len(text)} characters long; the hub keeps at most {MAX_ID}"
        if NUL in text:
            return f"its {name} contains a NUL character (\\u0000), which can't be stored"
    for name, value in values.items():
        if _has_nul(value):
            return f"`{name}` contains a NUL character (\\u0000), which can't be stored"
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def scrub(value: Any) -> Any:
    """`value` with every NUL shown as U+2400 (␀): what a quarantine row keeps of a payload
    the database refused, so a person still sees where the NUL was."""
    if isinstance(value, str):
        return value.replace(NUL, "\u2400")
    if isinstance(value, Mapping):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def clipped(text: str | None, most: int = MAX_ID) -> str | None:
    """An id cut to what its column holds, with a NUL made visible."""
    if text is None:
        return None
    text = scrub(text)
    return text if len(text) <= most else text[:most - 1] + "…"


def refused(exc: BaseException) -> str | None:
    """The database's refusal of a value, as a sentence; None for other failures (those may go
    away: a lost connection, a deadlock)."""
    if isinstance(exc, DataError):
        first = str(exc.orig or exc).splitlines()[0]
        return f"the database refused a value: {first}"
    if isinstance(exc, ValueError) and "NUL" in str(exc):  # psycopg refuses NUL before sending
        return f"the database refused a value: {exc}"
    return None


def quarantine_item(connector_id: str, reason: str, payload: Any, at: datetime, *,
                    remote_type: str | None = None, remote_id: str | None = None,
                    location: str | None = None) -> QuarantineItem:
    """A quarantine row as the database can keep it: a NUL shown as ␀, ids cut to their
    columns."""
    return QuarantineItem(connector_id=connector_id, remote_type=clipped(remote_type, 64),
                          remote_id=clipped(remote_id), location=clipped(location, 1000) or None,
                          reason=scrub(reason), payload=scrub(payload), created_at=at)
