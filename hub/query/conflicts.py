"""Conflicts as managers see them: both values, who set each and when, and the resolution.

Like the change feed, a conflict shows only what the caller's role reads (`hub.auth.policy`):
none on a field it can't read, people by e-mail only where it may read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.query.changes import PERSON_REFS, People, shown_value
from hub.query.pagination import SortField, after_cursor, encode_cursor, parse_sort
from hub.query.records import NotFound, Page
from hub.query.scope import visible_refs
from hub.store.sync import Conflict, ConflictState
from hub.sync.records import engine_fields

SORTS = {"id": SortField.of(Conflict.__table__.c.id),
          "created_at": SortField.of(Conflict.__table__.c.created_at)}


def readable(principal: Principal) -> ColumnElement[bool]:
    """Conflicts on records the principal may see, on fields it reads."""
    out = [visible_refs(Conflict.entity, Conflict.record_id, principal)]
    for entity in policy.readable_entities(principal):
        hidden = [n for n in engine_fields(entity) if not policy.may_read(principal, entity, n)]
        on_custom = Conflict.field.startswith("custom.", autoescape=True)
        if not policy.may_read(principal, entity, "custom"):
            out.append(not_((Conflict.entity == entity) & on_custom))
        view = policy.entity_view(principal, entity)
        hidden += [f"custom.{k}" for k in (view.hidden_custom if view else ())]
        if hidden:
            out.append(not_((Conflict.entity == entity) & Conflict.field.in_(hidden)))
    return and_(*out)


def list_conflicts(session: Session, principal: Principal, *, state: ConflictState | None,
                   entity: Entity | None, record: str | None, limit: int,
                   cursor: str | None, sort: str | None) -> Page:
    """Conflicts on records the principal may see, newest first by default."""
    order = parse_sort(sort, SORTS, default="-created_at")
    query = select(Conflict).where(readable(principal))
    if state is not None:
        query = query.where(Conflict.state == state)
    if entity is not None:
        query = query.where(Conflict.entity == entity)
    if record is not None:
        query = query.where(Conflict.record_id == record)
    if cursor:
        query = query.where(after_cursor(cursor, order, SORTS))
    clauses = [(SORTS[k.name].expr.desc() if k.descending else SORTS[k.name].expr.asc())
               for k in order.keys]
    rows = list(session.scalars(query.order_by(*clauses).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(order, [to_json(getattr(rows[-1], k.name))
                                        for k in order.keys]) if more else None
    return Page(render(session, principal, rows), next_cursor)


def find_conflict(session: Session, principal: Principal, conflict_id: str) -> Conflict:
    """A conflict on a record the principal may see; NotFound otherwise."""
    conflict = session.scalars(select(Conflict).where(
        Conflict.id == conflict_id, readable(principal))).first()
    if conflict is None:
        raise NotFound("conflict", conflict_id)
    return conflict


def render(session: Session, principal: Principal,
           conflicts: list[Conflict]) -> list[dict[str, Any]]:
    """Conflicts as the API shows them to the principal."""
    people = People(session, principal, [
        email for c in conflicts if c.field in PERSON_REFS
        for value in (c.base, c.resolved_value, *(x.get("value") for x in c.candidates or []))
        for email in (value if isinstance(value, list) else [value])])

    def shown(conflict: Conflict, value: Any) -> Any:
        return shown_value(principal, conflict.entity, conflict.field, value, people)

    return [{
        "id": c.id, "entity": c.entity.value, "record_id": c.record_id,
        "field": c.field, "state": c.state.value, "policy": c.policy,
        "base": shown(c, c.base),
        "candidates": [{"source": x.get("source"), "value": shown(c, x.get("value")),
                        "at": x.get("at")} for x in c.candidates or []],
        "resolved_value": shown(c, c.resolved_value), "resolved_by": c.resolved_by,
        "resolved_at": to_json(c.resolved_at), "created_at": to_json(c.created_at),
    } for c in conflicts]
