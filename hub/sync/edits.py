"""Edits through the API: the hub acting as one more source.

An edit is validated against the canonical field types, applied only if the record is still at
the version the editor saw (compare-and-set, so two people never overwrite each other
silently), recorded with provenance and an audit entry under `api:<token name>`, and queued for
every linked tool, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, inspect, or_, select, true, update
from sqlalchemy.orm import Session

from hub.errors import HubError
from hub.mapping.errors import show
from hub.mapping.fields import canonical_fields, custom_name_problem
from hub.mapping.values import CoercionError, coerce, to_json
from hub.model.enums import Entity
from hub.model.text import LONG_TEXT, json_text_problem
from hub.store.canonical import Person, PersonEmail, Project, RecordMixin
from hub.store.sync import AuditEntry, Conflict, ConflictState
from hub.store.tables import RECORD_TABLES
from hub.sync import derive
from hub.sync.intents import IntentWriter, same
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

#: what the API may change; raw_status belongs to the tools, references go by e-mail or key
EDITABLE: dict[Entity, tuple[str, ...]] = {
    Entity.project: ("key", "name", "description", "status", "department", "owner",
                     "start_date", "due_date", "budget_status", "url"),
    Entity.task: ("project", "title", "description", "status", "priority", "assignees",
                  "due_date", "start_date", "completed_at", "labels"),
}
#: the names records are read with -> the engine's reference fields
ALIASES = {"owner_id": "owner", "project_id": "project"}
_REQUIRED = {"name", "title"}


class EditRejected(HubError):
    """A field of an edit that can't be applied; `field` names it as the caller wrote it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field, self.message = field, message


class StaleVersion(HubError):
    """The record changed since the editor read it."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the record is at version {current}")
        self.current = current


class Gone(HubError):
    """The record doesn't exist (or not for this editor)."""


def validate_patch(session: Session, entity: Entity, body: Mapping[str, Any]) -> dict[str, Any]:
    """The edit as engine fields and JSON values; EditRejected names the first bad field."""
    if not body:
        raise EditRejected("body", "is empty: send the fields to change")
    out: dict[str, Any] = {}
    for name, value in body.items():
        if name == "custom":
            out.update(_custom(entity, value))
            continue
        engine_name = ALIASES.get(name, name)
        if engine_name not in EDITABLE[entity]:
            allowed = ", ".join([*EDITABLE[entity], "custom"])
            raise EditRejected(name, f"is not a field you can change (you can: {allowed})")
        out[engine_name] = validate_value(session, entity, engine_name, value, shown=name)
    return out


def validate_value(session: Session, entity: Entity, field: str, value: Any,
                   shown: str | None = None) -> Any:
    """`value` for the canonical `field` as its JSON form; EditRejected says why not."""
    shown = shown or field
    # One text rule on every database (hub.model.text): no NUL, no lone surrogate, lengths in
    # characters up to the column's, checked before anything is looked up or written.
    if found := json_text_problem(value, text_limit(entity, field)):
        where, problem = found
        raise EditRejected(shown + ("" if not where else
                                    where if where.startswith("[") else f".{where}"), problem)
    if field.startswith("custom."):
        return next(iter(_custom(entity, {field.removeprefix("custom."): value}).values()))
    field_type = canonical_fields(entity).get(field)
    if field_type is None:
        raise EditRejected(shown, f"is not a field of a {entity.value}")
    if field == "project":
        return _project_key(session, shown, value)
    if field_type.kind == "person":
        value = _people(session, shown, value, field_type.many)
    try:
        coerced = coerce(field_type, value)
    except CoercionError as exc:
        raise EditRejected(shown, f"{show(value)} {exc}") from None
    if field in _REQUIRED and not coerced:
        raise EditRejected(shown, "can't be empty")
    column = inspect(RECORD_TABLES[entity]).columns.get(field)
    if coerced is None and column is not None and not column.nullable:
        raise EditRejected(shown, "can't be null" + (
            f" (one of: {', '.join(m.value for m in field_type.enum)})"
            if field_type.enum else ""))
    return to_json(coerced)


def text_limit(entity: Entity, field: str) -> int:
    """The most characters a text value of `field` may have: its column's declared length, else
    (long text, lists, custom values) `hub.model.text.LONG_TEXT`."""
    column = inspect(RECORD_TABLES[entity]).columns.get(field)
    length = getattr(column.type, "length", None) if column is not None else None
    return length if isinstance(length, int) else LONG_TEXT


def _custom(entity: Entity, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EditRejected("custom", "must be an object of custom field values")
    if found := json_text_problem(value, LONG_TEXT):
        raise EditRejected(f"custom.{found[0]}", found[1])
    out = {}
    for key, item in value.items():
        problem = custom_name_problem(entity, f"custom.{key}")
        if problem:
            raise EditRejected(f"custom.{key}", problem)
        out[f"custom.{key}"] = item
    return out


def _people(session: Session, name: str, value: Any, many: bool) -> Any:
    """Person references by id or e-mail -> e-mails of people the hub knows."""
    refs = value if many and isinstance(value, list) else [value]
    if not many and value is None:
        return None
    emails = []
    for ref in refs:
        if not isinstance(ref, str) or not ref.strip():
            raise EditRejected(name, f"{show(ref)} is not a person (give an e-mail or a "
                                     "person id)")
        found = session.scalars(_person(ref)).first()
        if found is None:
            raise EditRejected(name, f"{show(ref)}: the hub knows no such person")
        emails.append(found)
    return emails if many else emails[0]


def _person(ref: str) -> Select[str | None]:
    email = ref.strip().casefold()
    by_email = select(PersonEmail.person_id).where(PersonEmail.email == email)
    return select(Person.primary_email).where(
        or_(Person.id == ref, Person.id.in_(by_email)), Person.primary_email.is_not(None))


def _project_key(session: Session, name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise EditRejected(name, f"{show(value)} is not a project (give its key or id)")
    key = session.scalars(select(Project.key).where(
        or_(Project.key == value, Project.id == value))).first()
    if key is None:
        raise EditRejected(name, f"{show(value)}: no project with this key (or id) has a key "
                                 "the tools know it by")
    return key


def apply_edit(session: Session, rt: Runtime | None, entity: Entity, record_id: str,
               changes: Mapping[str, Any], *, expected_version: int, source: str,
               now: datetime, scope: ColumnElement[bool] | None = None,
               delivery: str | None = None, actor: dict[str, Any] | None = None
               ) -> RecordMixin:
    """Apply validated `changes` if the record is at `expected_version` (and within `scope`);
    the caller commits. An edit that changes nothing leaves the version as it is. `actor` is
    the person behind `source` when an identity provider vouched for them (the audit keeps it)."""
    table = RECORD_TABLES[entity]
    # The compare-and-set runs first: it takes the row's write lock before anything is read.
    claimed = session.execute(
        update(table).where(table.id == record_id, table.version == expected_version,
                            table.deleted_at.is_(None), scope if scope is not None else true())
        .values(version=expected_version + 1).execution_options(synchronize_session=False))
    store = RecordStore(session)
    record = store.load(entity, [record_id]).get(record_id)
    if getattr(claimed, "rowcount", 0) != 1:
        hidden = scope is not None and session.scalar(
            select(table.id).where(table.id == record_id, scope)) is None
        if record is None or record.deleted_at is not None or hidden:
            raise Gone(record_id)
        raise StaleVersion(record.version)
    assert record is not None
    session.refresh(record, ["version", "updated_at"])  # as the compare-and-set left them
    current = store.values(entity, record)
    applied = {name: value for name, value in changes.items()
               if not same(current.get(name), value)}
    if not applied:
        session.rollback()  # nothing changed: the version stays
        return record
    store.write(entity, record, applied)
    record.provenance = {**(record.provenance or {}), **{
        name: {"source": source, "link": None, "at": now.isoformat(), "v": record.version,
               "exact": True} for name in applied}}
    session.add(AuditEntry(entity=entity, record_id=record_id, action="update",
                           changes={k: {"old": current.get(k), "new": v}
                                    for k, v in applied.items()},
                           source=source, delivery=delivery, at=now, actor=actor))
    # A person setting a conflicted field has decided it: the conflict is settled, and the
    # field is no longer held back from the tools.
    for name, value in applied.items():
        session.execute(
            update(Conflict).where(Conflict.entity == entity, Conflict.record_id == record_id,
                                   Conflict.field == name, Conflict.state == ConflictState.open)
            .values(state=ConflictState.resolved, resolved_value=value, resolved_by=source,
                    resolved_at=now).execution_options(synchronize_session=False))
    session.flush()
    if rt is not None:
        IntentWriter(rt, session, now).queue(entity, {record_id: store.values(entity, record)})
    edited = derive.ChangeSet()
    edited.changed(entity, record_id, applied, {k: current.get(k) for k in applied})
    derive.run(rt, session, edited, now)
    return record
