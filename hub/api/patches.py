"""The bodies of PATCH requests and conflict resolutions, as models: the OpenAPI description
says exactly what the code takes (each editable field with its type, length and nullability,
`custom` values as JSON without NUL, nothing else), so a generated client can't build a body
the hub refuses for its shape. What depends on data (a person or project that doesn't exist, a
side the conflict doesn't have) is refused after, with 422 naming the field.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Optional, Union

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field, Strict, create_model, model_validator
from sqlalchemy import inspect
from typing_extensions import TypeAliasType

from hub.mapping.fields import canonical_fields
from hub.model.enums import Entity
from hub.model.text import LONG_TEXT, NO_NUL
from hub.query.params import NOT_BLANK, PATTERN_MESSAGES, IsoDate, IsoDateTime
from hub.store.tables import RECORD_TABLES
from hub.sync.edits import ALIASES, EDITABLE, text_limit

#: the pattern of a custom field's name (`hub.mapping.fields.custom_name_problem`)
CUSTOM_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
PATTERN_MESSAGES[CUSTOM_NAME] = lambda value: (
    "is not a valid custom field name (letters, digits and _ after custom.)")
_NOT_BLANK_FIELDS = {"name", "title"}
_PEOPLE = "e-mail or person id"


def _text(limit: int, pattern: str = NO_NUL) -> Any:
    return Annotated[str, Strict(), Field(max_length=limit, pattern=pattern)]


#: a JSON value as `custom` holds it: text without NUL, numbers, true/false, lists, objects, null
if TYPE_CHECKING:
    CustomValue = Any  # mypy can't follow the recursion
else:
    CustomValue = TypeAliasType("CustomValue", Union[  # noqa: UP007 - read at runtime
        Annotated[str, Strict(), Field(max_length=LONG_TEXT, pattern=NO_NUL)],
        Annotated[int, Strict()], Annotated[float, Strict(), Field(allow_inf_nan=False)],
        Annotated[bool, Strict()], list["CustomValue"],
        dict[Annotated[str, Field(max_length=200, pattern=NO_NUL)], "CustomValue"], None])
CustomFields = dict[Annotated[str, Field(pattern=CUSTOM_NAME, max_length=100)], CustomValue]


def _annotation(entity: Entity, name: str) -> Any:
    """The type a PATCH takes for engine field `name` (None where the column may be empty)."""
    field_type = canonical_fields(entity)[name]
    column = inspect(RECORD_TABLES[entity]).columns.get(name)
    nullable = column is None or bool(column.nullable)
    if name in _NOT_BLANK_FIELDS:
        base: Any = _text(text_limit(entity, name), NOT_BLANK)
    elif field_type.kind == "person":
        base = _text(320)
    elif field_type.kind in ("string", "text"):
        base = _text(64 if name == "project" else text_limit(entity, name))
    elif field_type.kind == "enum":
        base = field_type.enum
    elif field_type.kind == "date":
        base = IsoDate
    elif field_type.kind == "datetime":
        base = IsoDateTime
    else:
        raise TypeError(f"{entity}.{name}: no PATCH type for {field_type}")
    if field_type.many:
        return Optional[list[base]]  # noqa: UP045 - a runtime type; null: none
    return Optional[base] if nullable else base  # noqa: UP045


class Patch(BaseModel):
    """Fields to change: at least one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    @model_validator(mode="after")
    def _not_empty(self) -> Patch:
        if not self.model_fields_set:
            raise ValueError("is empty: send the fields to change")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, as JSON values, under the names they were sent as."""
        return self.model_dump(mode="json", exclude_unset=True)


@cache
def patch_model(entity: Entity) -> type[Patch]:
    """The body of a PATCH of `entity`: its editable fields (references also by their `_id`
    names), and `custom`."""
    fields: dict[str, Any] = {}
    for name in EDITABLE[entity]:
        annotation = _annotation(entity, name)
        description = _PEOPLE if canonical_fields(entity)[name].kind == "person" else None
        fields[name] = (annotation, Field(None, description=description))
    for alias, name in ALIASES.items():
        if name in fields:
            fields[alias] = fields[name]
    fields["custom"] = (Optional[CustomFields], Field(  # noqa: UP045
        None, description="custom fields to set (null clears one)"))
    title = f"{entity.value.replace('_', ' ').title().replace(' ', '')}Patch"
    return create_model(title, __base__=Patch, **fields)


class ByValue(BaseModel):
    """Keep this value (it must fit the conflict's field)."""

    model_config = ConfigDict(extra="forbid")

    value: CustomValue = Field(description="the value to keep")


class BySide(BaseModel):
    """Keep the value of this side: a connector id or api:<token name>."""

    model_config = ConfigDict(extra="forbid")

    side: Annotated[str, Strict(), Field(max_length=120, pattern=NO_NUL)]


#: a resolution: either the value to keep or the side whose value wins
Resolution = Annotated[ByValue | BySide, Field(union_mode="left_to_right")]
#: If-Match on a PATCH: the ETag of the caller's GET
IF_MATCH = r'^"[0-9]{1,18}"$'
IfMatch = Annotated[str, Header(pattern=IF_MATCH, description=(
    'the ETag of your GET, e.g. "3": a change made since is refused with 412 (missing: 428)'))]
