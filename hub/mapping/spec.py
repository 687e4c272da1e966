"""The mapping file's shape (pydantic, unknown keys refused) and the checks that need the
canonical model: field names, paths, transforms, value maps, defaults, privacy.

Each check adds a located problem and goes on, so a file shows all its mistakes at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, create_model

from hub.config.source import Loc, Located
from hub.errors import ConfigProblem
from hub.mapping.engine import Direction, Envelope, FieldRule, Unmapped, map_key
from hub.mapping.errors import show
from hub.mapping.fields import CUSTOM_PREFIX, canonical_fields, custom_name_problem
from hub.mapping.paths import ABSENT, PathSyntaxError, RemotePath, parse_path
from hub.mapping.transforms import TRANSFORMS, Transform, transform_names
from hub.mapping.values import CoercionError, FieldType, coerce, parse_type, to_json
from hub.model.enums import Entity

_PERSON_IDS = {"owner_id": "owner", "manager_id": "manager", "person_id": "person"}


@dataclass
class Problems:
    """The problems found so far in one mapping file, each with its file, line and path."""

    located: Located
    found: list[ConfigProblem] = field(default_factory=list)

    def add(self, loc: Loc, message: str) -> None:
        """Note a problem at `loc`."""
        self.found.append(self.located.problem(loc, message))

    def __len__(self) -> int:
        return len(self.found)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnvelopeSpec(_Strict):
    """A wrapper the tool puts around records (a webhook body), for `hub mapping try`."""

    when: str = Field(description="a top-level key that marks this envelope (webhookEvent)")
    at: str = Field(description="the remote path of the record inside it (issue)")
    type: str | None = Field(default=None, description="the record's remote type")
    hint: str | None = Field(default=None, description="for envelopes that only name the "
                                                       "record: where it is ({value}: at's)")


class MappingFileSpec(_Strict):
    """The top level: `kind:`, `types:` and the tool's `envelopes:`."""

    kind: str = Field(description="the connector kind this mapping is for")
    types: dict[str, Any] = Field(description="remote type -> how it maps")
    envelopes: list[EnvelopeSpec] = Field(default_factory=list)


class TypeSpec(_Strict):
    """One remote type: its canonical entity and its fields."""

    entity: str = Field(description="project, task, person, absence or budget_line")
    fields: dict[str, Any] = Field(description="canonical field -> where it comes from")


class _FieldBase(_Strict):
    dir: Direction | None = None
    transform: str | None = None
    map: dict[Any, Any] | None = None
    reverse: dict[Any, Any] | None = None
    raw: str | None = None
    unmapped: Unmapped = "error"
    default: Any = None
    tz: str | None = None
    type: str | None = None
    lookup: str | None = None

    @property
    def source(self) -> str:
        """The remote path (`from:`, a Python keyword, so not an attribute name)."""
        return str(getattr(self, "from"))


#: one field; `from` is only a valid field name when the model is built this way
_FROM: dict[str, Any] = {"from": (str, Field(description="the remote path"))}
FieldSpec = create_model("FieldSpec", __base__=_FieldBase, **_FROM)


def compile_envelopes(specs: list[EnvelopeSpec], types: Collection[str],
                      problems: Problems) -> tuple[Envelope, ...]:
    """The envelopes of a mapping file, each path parsed and type checked."""
    out = []
    for n, spec in enumerate(specs):
        at: Loc = ("envelopes", n)
        path = _path(spec.at, (*at, "at"), problems)
        if spec.type is not None and spec.type not in types:
            problems.add((*at, "type"), f"{show(spec.type)} is not a remote type of this "
                                        f"mapping (types: {', '.join(types) or 'none'})")
        elif path is not None:
            out.append(Envelope(spec.when, path, spec.type, spec.hint))
    return tuple(out)


def check_entity(value: str, at: Loc, problems: Problems) -> Entity | None:
    """The entity named by `entity:`, or None after reporting what is wrong."""
    try:
        entity = Entity(value)
    except ValueError:
        entity = None
    if entity is None or entity is Entity.comment:  # comments travel by `comments:`, unmapped
        names = ", ".join(e.value for e in Entity if e is not Entity.comment)
        problems.add(at, f"{show(value)} is not an entity (expected one of: {names})")
        return None
    return entity


def compile_field(entity: Entity, name: str, spec: _FieldBase, at: Loc,
                  problems: Problems) -> FieldRule | None:
    """A `FieldRule` for canonical field `name`, or None after reporting every problem."""
    before = len(problems)
    field_type = _canonical_type(entity, name, spec, at, problems)
    path = _path(spec.source, (*at, "from"), problems)
    transform = _transform(spec.transform, (*at, "transform"), problems)
    tz = _tz(spec.tz, field_type, (*at, "tz"), problems)
    direction: Direction = spec.dir or ("both" if path is None or path.is_simple else "in")
    if path is not None and direction != "in" and not path.writable:
        problems.add((*at, "dir") if spec.dir else at,
                     f'"{direction}" is not possible for {path}: an index or selector can\'t be '
                     "written back (set dir: in; the connector writes such fields itself)")
    if transform and direction != "in" and transform.outbound is None:
        problems.add((*at, "transform"),
                     f"{transform.name} can only read (it has no outbound); set dir: in")
    if field_type is None:
        return None
    value_map = reverse = None
    if spec.map is not None:
        value_map, reverse = _maps(field_type, spec, tz, at, problems)
    elif spec.reverse is not None:
        problems.add((*at, "reverse"), "only applies with a value map (add map:)")
    default = _default(field_type, spec, tz, at, problems)
    raw_type = _raw(entity, name, spec, direction, at, problems)
    if spec.unmapped != "error" and spec.map is None and spec.lookup is None:
        problems.add((*at, "unmapped"), "only applies with a value map or a lookup (add map: "
                                        "or lookup:)")
    if spec.unmapped == "default" and default is ABSENT:
        problems.add((*at, "unmapped"), "is default, but the field has no default: (add one)")
    if spec.unmapped == "keep_raw" and spec.raw is None and spec.map is not None:
        problems.add((*at, "unmapped"), "is keep_raw, but the field has no raw: to keep it in")
    if len(problems) > before or path is None:
        return None
    return FieldRule(name=name, path=path, direction=direction, field_type=field_type,
                     transform=transform, value_map=value_map, reverse=reverse or {},
                     raw=spec.raw, raw_type=raw_type, unmapped=spec.unmapped,
                     default=default, tz=tz, lookup=spec.lookup)


def field_type_of(entity: Entity, name: str, given: str | None) -> FieldType | str:
    """The type of canonical `name` on `entity`, or a message saying why it isn't a field."""
    if name.startswith(CUSTOM_PREFIX):
        problem = custom_name_problem(entity, name)
        if problem:
            return problem
        return parse_type(given) if given is not None else FieldType("any")
    fields = canonical_fields(entity)
    if name in fields:
        return fields[name]
    noun = entity.value.replace("_", " ")
    if name in _PERSON_IDS and _PERSON_IDS[name] in fields:
        return (f"is not mappable: map {_PERSON_IDS[name]} (the person's e-mail) instead; "
                "the hub resolves it to the person")
    hint = difflib.get_close_matches(name, list(fields), n=1)
    if hint:
        return f'is not {_a(noun)} field (did you mean "{hint[0]}"?)'
    return f"is not {_a(noun)} field (expected one of: {', '.join(fields)}, or custom.<name>)"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _canonical_type(entity: Entity, name: str, spec: _FieldBase, at: Loc,
                    problems: Problems) -> FieldType | None:
    try:
        found = field_type_of(entity, name, spec.type)
    except CoercionError as exc:
        problems.add((*at, "type"), f"{show(spec.type)} {exc}")
        return None
    if isinstance(found, str):
        problems.add(at, found)
        return None
    if spec.type is not None and not name.startswith(CUSTOM_PREFIX):
        try:
            given = parse_type(spec.type)
        except CoercionError as exc:
            problems.add((*at, "type"), f"{show(spec.type)} {exc}")
            return None
        if (given.kind, given.many) != (found.kind, found.many):
            problems.add((*at, "type"), f"{show(spec.type)} is not the type of {entity}.{name} "
                                        f"({found}); type: is for custom.* fields")
    return found


def _path(text: str, at: Loc, problems: Problems) -> RemotePath | None:
    try:
        return parse_path(text)
    except PathSyntaxError as exc:
        problems.add(at, f"{show(text)} is not a valid path ({exc})")
        return None


def _transform(name: str | None, at: Loc, problems: Problems) -> Transform | None:
    if name is None:
        return None
    if name in TRANSFORMS:
        return TRANSFORMS[name]
    hint = difflib.get_close_matches(name, transform_names(), n=1)
    guess = f'did you mean "{hint[0]}"? ' if hint else ""
    problems.add(at, f"{show(name)} is not a known transform "
                     f"({guess}registered: {', '.join(transform_names())})")
    return None


def _tz(name: str | None, field_type: FieldType | None, at: Loc,
        problems: Problems) -> ZoneInfo | None:
    if name is None:
        return None
    if field_type is not None and field_type.kind not in ("date", "datetime"):
        problems.add(at, f"only applies to date and datetime fields, not {field_type}")
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(at, f"{show(name)} is not a time zone (e.g. Europe/Berlin, UTC)")
        return None


def _maps(field_type: FieldType, spec: _FieldBase, tz: ZoneInfo | None, at: Loc,
          problems: Problems) -> tuple[dict[str, Any], dict[str, Any]]:
    """The value map keyed by remote value, and the reverse map keyed by canonical value:
    `reverse:` entries first, then the inverse of `map:` where the first key wins."""
    value_map: dict[str, Any] = {}
    reverse: dict[str, Any] = {}
    for remote, canonical in (spec.map or {}).items():
        try:
            value = coerce(field_type.item, canonical, tz)
        except CoercionError as exc:
            problems.add((*at, "map", cast(str, remote)), f"{show(canonical)} {exc}")
            continue
        value_map[map_key(remote)] = value
        if value is not None:
            reverse.setdefault(map_key(to_json(value)), remote)
    for canonical, remote in (spec.reverse or {}).items():
        try:
            value = coerce(field_type.item, canonical, tz)
        except CoercionError as exc:
            problems.add((*at, "reverse", cast(str, canonical)), f"{show(canonical)} {exc}")
            continue
        reverse[map_key(to_json(value))] = remote
    return value_map, reverse


def _default(field_type: FieldType, spec: _FieldBase, tz: ZoneInfo | None, at: Loc,
             problems: Problems) -> Any:
    if "default" not in spec.model_fields_set:
        return ABSENT
    try:
        return coerce(field_type, spec.default, tz)
    except CoercionError as exc:
        problems.add((*at, "default"), f"{show(spec.default)} {exc}")
        return ABSENT


def _raw(entity: Entity, name: str, spec: _FieldBase, direction: Direction, at: Loc,
         problems: Problems) -> FieldType | None:
    if spec.raw is None:
        return None
    if direction == "out":
        problems.add((*at, "raw"), "only applies to fields read from the tool (dir: in or both)")
        return None
    if spec.raw == name:
        problems.add((*at, "raw"), "must name another field than the one it belongs to")
        return None
    found = field_type_of(entity, spec.raw, None)
    if isinstance(found, str):
        problems.add((*at, "raw"), f"{show(spec.raw)} {found}")
        return None
    if found.kind in ("any", "string", "text") and not found.many:
        return found
    problems.add((*at, "raw"),
                 f"{show(spec.raw)} is a {found} field; raw values go to a string field")
    return None
