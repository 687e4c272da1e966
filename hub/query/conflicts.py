"""Conflicts as managers see them: both values, who set each and when, and the resolution."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.query.pagination import SortField, after_cursor, encode_cursor, parse_sort
from hub.query.records import NotFound, Page
from hub.query.scope import visible_refs
from hub.store.sync import Conflict, ConflictState

_SORTS = {"id": SortField(Conflict.__table__.c.id),
          "created_at": SortField(Conflict.__table__.c.created_at)}


def list_conflicts(session: Session, principal: Principal, *, state: ConflictState | None,
                   entity: Entity | None, record: str | None, limit: int,
                   cursor: str | None, sort: str | None) -> Page:
    """Conflicts on records the principal may see, newest first by default."""
    order = parse_sort(sort, _SORTS, default="-created_at")
    query = select(Conflict).where(visible_refs(Conflict.entity, Conflict.record_id, principal))
    if state is not None:
        query = query.where(Conflict.state == state)
    if entity is not None:
        query = query.where(Conflict.entity == entity)
    if record is not None:
        query = query.where(Conflict.record_id == record)
    if cursor:
        query = query.where(after_cursor(cursor, order, _SORTS))
    clauses = [(_SORTS[k.name].expr.desc() if k.descending else _SORTS[k.name].expr.asc())
               for k in order.keys]
    rows = list(session.scalars(query.order_by(*clauses).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(order, [to_json(getattr(rows[-1], k.name))
                                        for k in order.keys]) if more else None
    return Page([render(c) for c in rows], next_cursor)


def find_conflict(session: Session, principal: Principal, conflict_id: str) -> Conflict:
    """A conflict on a record the principal may see; NotFound otherwise."""
    conflict = session.scalars(select(Conflict).where(
        Conflict.id == conflict_id,
        visible_refs(Conflict.entity, Conflict.record_id, principal))).first()
    if conflict is None:
        raise NotFound("conflict", conflict_id)
    return conflict


def render(conflict: Conflict) -> dict[str, Any]:
    """A conflict as the API shows it."""
    return {
        "id": conflict.id, "entity": conflict.entity.value, "record_id": conflict.record_id,
        "field": conflict.field, "state": conflict.state.value, "policy": conflict.policy,
        "base": conflict.base,
        "candidates": [{"source": c.get("source"), "value": c.get("value"), "at": c.get("at")}
                       for c in conflict.candidates or []],
        "resolved_value": conflict.resolved_value, "resolved_by": conflict.resolved_by,
        "resolved_at": to_json(conflict.resolved_at), "created_at": to_json(conflict.created_at),
    }
