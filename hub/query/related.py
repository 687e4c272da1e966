"""What a record shows besides its own columns (assignees, blockers, e-mails, sources), as JSON
lists computed inside the query that reads the records.

One correlated subquery per list, so a page and everything it shows come back in one round
trip: on PostgreSQL a round trip costs more than the index lookups of the subqueries. Lists
are sorted in SQL: PostgreSQL orders inside the aggregate; SQLite (without ORDER BY in
aggregates before 3.44) aggregates an ordered subquery, which it reads in order (it never
flattens an ordered subquery into an aggregate).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, func, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by

from hub.model.enums import Entity
from hub.store.canonical import Person, PersonEmail, task_assignee, task_blocker
from hub.store.sync import Link
from hub.store.tables import RECORD_TABLES

#: fields computed from other tables, not columns (in the order records show them)
JOINED = ("assignees", "blocked_by", "emails")
#: the label of the column holding a record's sources
SOURCES = "_sources"


@cache
def related_columns(dialect: str, entity: Entity, names: tuple[str, ...],
                    sources: bool) -> tuple[ColumnElement[Any], ...]:
    """Columns (labelled by field) with the JSON lists among `names`, and the sources.
    Built once per shape: SQL expressions are immutable, and building them costs more than
    the database takes to answer them."""
    table = RECORD_TABLES[entity]
    postgres = dialect == "postgresql"
    lists: list[tuple[str, Select[Any], list[Any]]] = []
    if entity is Entity.task and "assignees" in names:
        person: tuple[Any, ...] = (literal_column("'id'"), Person.id,
                                   literal_column("'display_name'"), Person.display_name)
        lists.append(("assignees", select(
            func.json_build_object(*person) if postgres else func.json_object(*person))
            .select_from(task_assignee).join(Person, Person.id == task_assignee.c.person_id)
            .where(task_assignee.c.task_id == table.id), [Person.display_name, Person.id]))
    if entity is Entity.task and "blocked_by" in names:
        lists.append(("blocked_by", select(task_blocker.c.blocked_by_id)
                      .where(task_blocker.c.task_id == table.id),
                      [task_blocker.c.blocked_by_id]))
    if entity is Entity.person and "emails" in names:
        lists.append(("emails", select(PersonEmail.email)
                      .where(PersonEmail.person_id == table.id), [PersonEmail.email]))
    if sources:
        # an array, not an object: `kind` comes from the config, so Python builds the dict
        entry = (Link.connector_id, Link.remote_type, Link.remote_id, Link.url)
        lists.append((SOURCES, select(
            func.json_build_array(*entry) if postgres else func.json_array(*entry))
            .where(Link.record_id == table.id, Link.entity == entity,
                   Link.deleted_at.is_(None)), [Link.connector_id, Link.remote_id]))
    return tuple(_aggregated(postgres, items, order, table).label(name)
                 for name, items, order in lists)


def _aggregated(postgres: bool, items: Select[Any], order: list[Any],
                outer: Any) -> ColumnElement[Any]:
    """A JSON list of the one column of `items`, in `order`; NULL when there are none."""
    item = items.selected_columns[0]
    if postgres:
        listed = items.with_only_columns(func.json_agg(aggregate_order_by(item, *order)),
                                         maintain_column_froms=True)
    else:
        ordered = items.with_only_columns(item.label("item"), maintain_column_froms=True) \
            .order_by(*order).correlate(outer).subquery()
        # json(): leaving a subquery drops SQLite's mark that the text is JSON
        nested = getattr(item, "name", None) in ("json_object", "json_array")
        listed = select(func.json_group_array(
            func.json(ordered.c.item) if nested else ordered.c.item)).select_from(ordered)
    return type_coerce(listed.scalar_subquery(), JSON)


def source_refs(entries: list[list[Any]] | None,
                kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """Sources as the API shows them, from [connector, remote_type, remote_id, url] lists."""
    return [{"connector": connector, "kind": kinds.get(connector), "remote_type": remote_type,
             "remote_id": remote_id, "url": url}
            for connector, remote_type, remote_id, url in entries or ()]
