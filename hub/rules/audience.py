"""Who reads a channel, and what a message to them may say: the hub's one visibility policy
(`hub.auth.policy` for fields, `hub.query.scope` for records), asked as for an API token of the
channel's audience. A partner's channel never hears of HR facts; a department's only of its own
department's records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.config.rules import Audience
from hub.model.enums import Entity
from hub.query.scope import visible
from hub.store.auth import Role
from hub.store.tables import RECORD_TABLES


def principal_of(name: str, audience: Audience) -> Principal:
    """The principal a channel's messages are written for."""
    return Principal(token_id=f"channel:{name}", name=f"channel:{name}",
                     role=Role(audience.role), department=audience.department,
                     partner=name if audience.role == "partner" else None,
                     projects=tuple(audience.projects), channel="notify")


def may_know(session: Session, principal: Principal, entity: Entity, record_id: str) -> bool:
    """Whether the audience may know the record exists (its scope)."""
    if principal.sees_everything:
        return True
    table = RECORD_TABLES[entity]
    return session.scalar(select(table.id).where(table.id == record_id,
                                                 visible(entity, principal))) is not None


def readable(principal: Principal, entity: Entity,
             values: Mapping[str, Any]) -> dict[str, Any]:
    """The record's values the audience may read (custom keys as `custom.<key>`)."""
    out: dict[str, Any] = {}
    custom = {k.removeprefix("custom."): v for k, v in values.items()
              if k.startswith("custom.")}
    if custom and policy.may_read(principal, entity, "custom"):
        shown = policy.visible_value(principal, entity, "custom", custom)
        out.update({f"custom.{k}": v for k, v in shown.items()})
    for name, value in values.items():
        if name.startswith("custom.") or name.startswith("@"):
            continue
        if policy.may_read(principal, entity, name):
            out[name] = policy.visible_value(principal, entity, name, value)
    return out
