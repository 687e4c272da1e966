"""Load `mappings/<kind>.yaml` with a connector's overrides, validated like `config.yaml`.

Every problem is one line with file, line and YAML path:
`mappings/fake.yaml:12 types.item.fields.status.map.Doing: "in_progres" is not a task status
(expected one of: todo, in_progress, ...)`. Problems inside a connector's `mapping_overrides`
name the overrides instead of a line of the file.
"""

from __future__ import annotations

import copy
import importlib
import re
from collections import abc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.config.problems import validation_problems
from hub.config.source import Loc, Located, format_loc, read_yaml
from hub.errors import ConfigError, ConfigProblem
from hub.mapping.engine import FieldRule, Mapping, TypeMapping
from hub.mapping.fields import PRIVATE_ENTITIES, is_private
from hub.mapping.spec import (
    FieldSpec,
    MappingFileSpec,
    Problems,
    TypeSpec,
    check_entity,
    compile_envelopes,
    compile_field,
)
from hub.model.enums import Entity

_KIND = re.compile(r"[a-z][a-z0-9_-]*")


def default_mapping_path(kind: str) -> Path:
    """The mapping shipped for connector `kind` (`mappings/<kind>.yaml`, package hub.mappings).

    The file may not exist: not every kind ships one.
    """
    if not _KIND.fullmatch(kind):
        raise ValueError(f"{kind!r} is not a connector kind")
    package = importlib.import_module("hub.mappings")
    if package.__file__ is None:
        raise RuntimeError("the hub.mappings package is not installed as files")
    return Path(package.__file__).parent / f"{kind}.yaml"


@dataclass(frozen=True)
class OverridesOrigin:
    """Where a connector's `mapping_overrides` are written, so that a problem in them points
    at its line there: `config.yaml:12 connectors.rd.mapping_overrides.types...`."""

    file: str
    path: str = "mapping_overrides"
    #: the line of each key under `path` (a path below it, as tuple -> line); hashable
    lines: tuple[tuple[Loc, int], ...] = ()

    def problem(self, below: Loc, message: str) -> ConfigProblem:
        """A problem at `below` inside the overrides, on the line of it or of its nearest
        ancestor written there."""
        lines = dict(self.lines)
        line = next((lines[below[:end]] for end in range(len(below), -1, -1)
                     if below[:end] in lines), None)
        path = ".".join(part for part in (self.path, format_loc(below)) if part)
        return ConfigProblem(self.file, line, path, message)


def load_mapping(path: Path | str, overrides: abc.Mapping[str, Any] | None = None, *,
                 overrides_from: str | OverridesOrigin = "mapping_overrides") -> Mapping:
    """Read, merge `overrides` into, and validate a mapping file; raise `ConfigError` listing
    every problem.

    Overrides merge deeply: mappings merge key by key, other values replace, and a key set to
    null is removed (`{"types": {"item": {"fields": {"priority": None}}}}` drops priority).
    Problems in overridden entries are reported as coming from `overrides_from`.
    """
    path = Path(path)
    located = read_yaml(path)
    touched: list[Loc] = []
    origin = overrides_from if isinstance(overrides_from, OverridesOrigin) \
        else OverridesOrigin(overrides_from, "")
    if overrides:
        if not isinstance(overrides, abc.Mapping):
            raise ConfigError([origin.problem((), "must be a mapping like the file's")])
        base = located.data if isinstance(located.data, dict) else {}
        merged, touched = merge_overrides(base, overrides)
        located = Located(located.file, merged, located.lines, located.interpolated)
    problems = Problems(located)
    mapping = _mapping(located, problems, path)
    if len(problems) or mapping is None:
        raise ConfigError(_relocate(problems.found, touched, origin))
    for type_mapping in mapping.types.values():
        # "config" stands for a config not read from a file: the path alone says it then
        type_mapping.overrides_at = " ".join(
            part for part in (origin.file if origin.file != "config" else "", origin.path)
            if part)
    return mapping


def merge_overrides(data: dict[str, Any], overrides: abc.Mapping[str, Any],
                    loc: Loc = ()) -> tuple[dict[str, Any], list[Loc]]:
    """`data` with `overrides` merged in (neither is changed), and the places overrides set."""
    result = copy.deepcopy(data)
    touched: list[Loc] = []
    for key, value in overrides.items():
        child: Loc = (*loc, key)
        if value is None:
            result.pop(key, None)
            touched.append(child)
        elif isinstance(value, abc.Mapping) and isinstance(result.get(key), dict):
            result[key], below = merge_overrides(result[key], value, child)
            touched += below
        else:
            result[key] = _plain(value)
            touched.append(child)
    return result, touched


def _plain(value: Any) -> Any:
    if isinstance(value, abc.Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _relocate(problems: list[ConfigProblem], touched: list[Loc],
              origin: OverridesOrigin) -> list[ConfigProblem]:
    """Problems inside overridden entries point at the overrides, not at a line of the file."""
    by_path = {format_loc(loc): loc for loc in touched}

    def overridden(path: str) -> Loc | None:
        for prefix, loc in by_path.items():
            if path == prefix or path.startswith((prefix + ".", prefix + "[")):
                # The override's own keys are in its loc; what lies below is one more step.
                rest = path[len(prefix):].lstrip(".")
                return (*loc, *rest.split(".")) if rest else loc
        return None

    out = []
    for p in problems:
        loc = overridden(p.path)
        out.append(p if loc is None else origin.problem(loc, p.message))
    return out


def _validate(model: type[BaseModel], data: Any, loc: Loc, problems: Problems) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.found += validation_problems(exc, problems.located, loc, model)
        return None


def _mapping(located: Located, problems: Problems, path: Path) -> Mapping | None:
    data = located.data
    if not isinstance(data, dict):
        problems.add((), "must be a mapping with kind: and types:")
        return None
    top = _validate(MappingFileSpec, data, (), problems)
    if top is None:
        return None
    if not top.types:
        problems.add(("types",), "must name at least one remote type")
    types: dict[str, TypeMapping] = {}
    for remote_type, raw in top.types.items():
        compiled = _type(top.kind, str(remote_type), raw, ("types", remote_type), problems)
        if compiled is not None:
            types[str(remote_type)] = compiled
    envelopes = compile_envelopes(top.envelopes, list(top.types), problems)
    return Mapping(top.kind, types, path, envelopes)


def _type(kind: str, remote_type: str, raw: Any, at: Loc,
          problems: Problems) -> TypeMapping | None:
    if not isinstance(raw, dict):
        problems.add(at, "must be a mapping with entity: and fields:")
        return None
    spec = _validate(TypeSpec, raw, at, problems)
    if spec is None:
        return None
    entity = check_entity(spec.entity, (*at, "entity"), problems)
    if entity is None:
        return None
    rules: list[FieldRule] = []
    for name, raw_field in spec.fields.items():
        field_at: Loc = (*at, "fields", name)
        if isinstance(raw_field, str):  # `title: fields.title` is short for {from: ...}
            raw_field = {"from": raw_field}
        if not isinstance(raw_field, dict):
            problems.add(field_at, "must be a remote path or a mapping with from:")
            continue
        field_spec = _validate(FieldSpec, raw_field, field_at, problems)
        if field_spec is not None and entity in PRIVATE_ENTITIES and \
                _private_source(field_spec.source):
            problems.add((*field_at, "from"), f'"{field_spec.source}" is compensation/identity '
                                              "data; the hub does not read or store it for "
                                              f"{entity.value}s (HR privacy)")
            continue
        if field_spec is not None:
            rule = compile_field(entity, str(name), field_spec, field_at, problems)
            if rule is not None:
                rules.append(rule)
    _check_raw_targets(rules, entity, at, problems)
    return TypeMapping(kind, remote_type, entity, rules)


def _private_source(path: str) -> bool:
    """Whether a remote path names pay or identity data in any of its parts."""
    return any(is_private(part) for part in re.split(r"[.\[\]=*]", path) if part)


def _check_raw_targets(rules: list[FieldRule], entity: Entity, at: Loc,
                       problems: Problems) -> None:
    """A raw value must have a field of its own: not a mapped field, not another's raw."""
    mapped = {rule.name for rule in rules}
    owners: dict[str, str] = {}
    for rule in rules:
        if rule.raw is None:
            continue
        where: Loc = (*at, "fields", rule.name, "raw")
        if rule.raw in mapped:
            problems.add(where, f'"{rule.raw}" is mapped itself; raw: needs a field of its own')
        elif rule.raw in owners:
            problems.add(where, f'"{rule.raw}" already keeps the raw value of '
                                f"{owners[rule.raw]}")
        owners.setdefault(rule.raw, rule.name)
