"""How a person recognises a record in a line of text: a task by its title, a project by its
key and name, a person by name, an absence by who and when, a budget line by its place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.sync.records import RecordStore


def label_of(entity: Entity, values: Mapping[str, Any]) -> str:
    """A short label from a record's JSON values (`RecordStore.values`, an audit's changes)."""
    def get(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value)

    if entity is Entity.task:
        return get("title")
    if entity is Entity.project:
        key, name = get("key"), get("name")
        return f"{key} {name}" if name and name != key else key or name
    if entity is Entity.person:
        return get("display_name") or get("email")
    if entity is Entity.absence:
        return f"{get('person')} {get('kind')} {get('start')}..{get('end')}".strip()
    if entity is Entity.budget_line:
        return " ".join(p for p in (get("project"), get("cost_center"), get("period")) if p)
    if entity in (Entity.account, Entity.opportunity):
        return get("name") or get("key")
    return ""


def record_labels(session: Session, entity: Entity, ids: Iterable[str]) -> dict[str, str]:
    """Labels of the records with these ids (one query), for lists of conflicts and pushes."""
    store = RecordStore(session)
    return {rid: label_of(entity, store.values(entity, record))
            for rid, record in store.load(entity, ids).items()}


def item_labels(session: Session, items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Labels of the records listed items name (`entity` and `record_id` keys, as conflicts
    and pushes are rendered), by record id: one query per entity."""
    wanted: dict[str, list[str]] = {}
    for item in items:
        wanted.setdefault(str(item["entity"]), []).append(str(item["record_id"]))
    labels: dict[str, str] = {}
    for entity, ids in wanted.items():
        labels.update(record_labels(session, Entity(entity), ids))
    return labels
