"""A connector's lookup tables as one batch sees them: what the connector filled in, plus, for
tables of people (`Lookup(people="member")`), the e-mail of each person the hub has linked to
one of the tool's person records. Trello shows other members' e-mails to nobody; once a member
is one person in the hub (through `sync.aliases`, HR or a member's own record), their cards'
assignees resolve to that person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.mapping.lookups import Lookups
from hub.store.canonical import PersonEmail
from hub.store.sync import Link
from hub.sync.runtime import Runtime


def batch_lookups(rt: Runtime, session: Session, connector_id: str) -> Lookups:
    """The connector's tables, with the hub's people filled in (one query per people table)."""
    own = rt.connectors[connector_id].lookups
    extra: dict[str, Mapping[str, Any]] = {}
    for name, table in own.items():
        if table.people is None:
            continue
        found: dict[str, Any] = {}
        for (alias_connector, remote_id), email in rt.aliases.remote_ids.items():
            if alias_connector == connector_id:
                found[remote_id] = email
        rows = session.execute(
            select(Link.remote_id, PersonEmail.email)
            .join(PersonEmail, PersonEmail.person_id == Link.record_id)
            .where(Link.connector_id == connector_id, Link.remote_type == table.people,
                   Link.deleted_at.is_(None), PersonEmail.is_primary.is_(True)))
        found.update({remote_id: email for remote_id, email in rows if remote_id not in found})
        extra[name] = found
    return own.overlay(extra) if extra else own
