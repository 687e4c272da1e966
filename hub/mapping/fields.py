"""Which canonical fields each entity has, and their types, read from the pydantic schemas.

References stand where the schema has ids: people by e-mail (`owner` of a Project, `manager`
of a Person, `person` of an Absence, `assignees` of a Task), projects by key (`project` of a Task
or BudgetLine); the sync engine resolves them.
`custom.<name>` is open on every entity, except compensation and identity data on people.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from hub.mapping.values import FieldType
from hub.model.enums import Entity
from hub.model.schemas import SCHEMAS, PersonRef

#: kept by the hub itself, never written by a tool (risks are derived; task links to other
#: tasks and a person's address list are not mapped yet: `email` is the primary address)
_BOOKKEEPING = {"id", "version", "created_at", "updated_at", "deleted_at", "custom", "risks",
                "parent_id", "blocked_by", "primary_email", "emails"}
#: schema id field -> the reference a mapping gives instead: people by e-mail, projects by key
_REFS = {"owner_id": ("owner", FieldType("person")),
         "manager_id": ("manager", FieldType("person")),
         "person_id": ("person", FieldType("person")),
         "project_id": ("project", FieldType("string")),
         "account_id": ("account", FieldType("string"))}
_TEXT = {"description"}
CUSTOM_PREFIX = "custom."
_CUSTOM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: what names of pay and identity data contain (compared without case, `_`, `-` or spaces):
#: the hub refuses to hold them for people (HR privacy)
PRIVATE_WORDS = ("salary", "compensation", "payrate", "paygrade", "payband", "paytype",
                 "payper", "basepay", "bonus", "commission", "equity", "stockoption", "ssn",
                 "socialsecurity", "nationalid", "nationalinsurance", "taxid", "taxnumber",
                 "passport", "bank", "iban")
#: entities whose fields come from HR, where private data is refused
PRIVATE_ENTITIES = (Entity.person, Entity.absence)


@cache
def canonical_fields(entity: Entity) -> dict[str, FieldType]:
    """The mappable canonical fields of `entity` (without `custom.*`) and their types."""
    fields: dict[str, FieldType] = {}
    for name, info in SCHEMAS[entity].model_fields.items():
        if name in _BOOKKEEPING:
            continue
        if name in _REFS:
            ref, ref_type = _REFS[name]
            fields[ref] = ref_type
            continue
        fields[name] = _infer(entity, name, info.annotation)
    if entity is Entity.person:
        fields["email"] = FieldType("email")
    return fields


def _infer(entity: Entity, name: str, annotation: Any) -> FieldType:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _infer(entity, name, args[0])
    if typing.get_origin(annotation) is list:
        return FieldType(_infer(entity, name, args[0]).kind, many=True)
    if annotation is PersonRef:
        return FieldType("person")
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        noun = f"{entity.value.replace('_', ' ')} {name.replace('_', ' ')}"
        return FieldType("enum", enum=annotation, noun=noun)
    simple: dict[Any, FieldType] = {
        str: FieldType("text" if name in _TEXT else "string"), int: FieldType("int"),
        bool: FieldType("bool"), Decimal: FieldType("number"), datetime: FieldType("datetime"),
        date: FieldType("date"),
    }
    if annotation in simple:
        return simple[annotation]
    raise TypeError(f"{entity}.{name}: no mapping type for {annotation!r}")


def custom_name_problem(entity: Entity, name: str) -> str | None:
    """What is wrong with `custom.<name>` on `entity`, or None when it may be mapped."""
    custom = name[len(CUSTOM_PREFIX):]
    if not _CUSTOM_NAME.fullmatch(custom):
        return "is not a valid custom field name (letters, digits and _ after custom.)"
    if entity in PRIVATE_ENTITIES and is_private(custom):
        return "is compensation/identity data; the hub does not store it"
    return None


def is_private(name: str) -> bool:
    """Whether a field or column name names pay or identity data (payRate, Annual_Base_Pay,
    ssn, national_id, ...)."""
    folded = re.sub(r"[\s_\-.]", "", name).casefold()
    return any(word in folded for word in PRIVATE_WORDS)
