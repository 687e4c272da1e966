"""Applying a loaded mapping: remote payload -> canonical values (inbound) and back (outbound).

A record's every bad field is reported in one `MappingError`, so the sync engine can quarantine
it with all its reasons at once instead of one per retry.
"""

from __future__ import annotations

from collections import abc
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal

from hub.mapping.errors import MappingError, show
from hub.mapping.fields import canonical_fields
from hub.mapping.lookups import Lookup
from hub.mapping.paths import ABSENT, RemotePath
from hub.mapping.transforms import Transform
from hub.mapping.values import CoercionError, FieldType, coerce, to_json
from hub.model.enums import Entity

#: in: read only; out: written only; both; create: read, and written when the hub creates the
#: record in the tool (an issue's project): the tool owns it afterwards
Direction = Literal["in", "out", "both", "create"]
Unmapped = Literal["error", "default", "keep_raw", "drop"]
DEFAULT_SOURCE = "default"


def map_key(value: Any) -> str:
    """The text a remote value is looked up by in a value map (YAML keys may be numbers)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class FieldRule:
    """One canonical field of a remote type, compiled from the mapping file.

    `value_map` is keyed by `map_key(remote value)`; `reverse` by `map_key(to_json(canonical))`.
    `default` is `ABSENT` when the mapping gives none.
    """

    name: str
    path: RemotePath
    direction: Direction
    field_type: FieldType
    transform: Transform | None = None
    value_map: dict[str, Any] | None = None
    reverse: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None
    raw_type: FieldType | None = None
    unmapped: Unmapped = "error"
    default: Any = ABSENT
    tz: tzinfo | None = None
    #: a lookup table of the connector: remote ids <-> values (`lookup: lists`)
    lookup: str | None = None

    @property
    def reads(self) -> bool:
        """Whether the field is read from the tool."""
        return self.direction != "out"

    @property
    def writes(self) -> bool:
        """Whether changes of the field are written back to the tool."""
        return self.direction in ("out", "both")

    @property
    def creates(self) -> bool:
        """Whether the field is written when the hub creates the record in the tool."""
        return self.direction != "in"


@dataclass(frozen=True)
class Normalised:
    """A remote record in canonical terms: the values found (or defaulted) and where from."""

    entity: Entity
    values: dict[str, Any]
    #: canonical field -> remote path it came from ("default" for defaults)
    sources: dict[str, str]


class _Skip(Exception):
    """The field is left out of the result (keep_raw on an unmapped value, drop)."""


class _Defaulted(Exception):
    """The field takes its default (`unmapped: default` on an unmapped value)."""


class TypeMapping:
    """How one remote type (e.g. Jira `issue`) maps to one canonical entity, both ways."""

    def __init__(self, kind: str, remote_type: str, entity: Entity,
                 rules: abc.Sequence[FieldRule]) -> None:
        self.kind = kind
        self.remote_type = remote_type
        self.entity = entity
        self.rules = tuple(rules)
        self.inbound_fields = frozenset(
            [r.name for r in self.rules if r.reads] + [r.raw for r in self.rules if r.raw])
        self.outbound_fields = frozenset(r.name for r in self.rules if r.writes)
        #: what a record the hub creates in the tool is created with
        self.creation_fields = frozenset(r.name for r in self.rules if r.creates)
        #: a tool's raw value field (its own status name) -> the main field it goes with
        self.raw_of = {r.raw: r.name for r in self.rules if r.raw}
        self._reading = tuple(r for r in self.rules if r.reads)
        #: where a user overrides entries of this mapping (the connector's `mapping_overrides`
        #: in the config, set by the loader): named in hints of errors
        self.overrides_at = "mapping_overrides"

    def __repr__(self) -> str:
        return f"TypeMapping({self.kind}:{self.remote_type} -> {self.entity})"

    def field_type(self, name: str) -> FieldType:
        """The type of canonical field `name` as this mapping coerces it."""
        for rule in self.rules:
            if rule.name == name:
                return rule.field_type
            if rule.raw == name and rule.raw_type is not None:
                return rule.raw_type
        known = canonical_fields(self.entity)
        if name in known:
            return known[name]
        raise KeyError(f"{name} is not a field of {self.entity}")

    @property
    def lookups(self) -> frozenset[str]:
        """The lookup tables this type's fields use."""
        return frozenset(r.lookup for r in self.rules if r.lookup)

    def inbound(self, payload: abc.Mapping[str, Any],
                lookups: abc.Mapping[str, Lookup] | None = None) -> Normalised:
        """Canonical values of a remote payload; raises one `MappingError` naming every bad
        field. A path missing from the payload leaves its field out (or takes its default).
        `lookups` are the connector's tables for fields with `lookup:`."""
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        errors: list[MappingError] = []
        for rule in self._reading:
            try:
                self._read(rule, payload, values, sources, lookups or {})
            except MappingError as exc:
                errors.append(exc)
        if errors:
            raise MappingError.combine(errors)
        return Normalised(self.entity, values, sources)

    def _read(self, rule: FieldRule, payload: abc.Mapping[str, Any], values: dict[str, Any],
              sources: dict[str, str], lookups: abc.Mapping[str, Lookup]) -> None:
        path = rule.path.text
        found = rule.path.read(payload)
        if found is ABSENT:
            if rule.default is not ABSENT:
                values[rule.name], sources[rule.name] = rule.default, DEFAULT_SOURCE
            return
        value = _convert(rule, rule.transform.inbound if rule.transform else None, found)
        if rule.lookup and value is not None:
            try:
                value = self._look_up(rule, value, lookups)
            except _Skip:
                return
            except _Defaulted:
                values[rule.name], sources[rule.name] = rule.default, DEFAULT_SOURCE
                return
        if rule.raw and rule.raw_type:
            values[rule.raw] = _coerce(rule.raw, rule.raw_type, value, path, rule.tz)
            sources[rule.raw] = path
        if value is None and rule.default is not ABSENT:
            values[rule.name], sources[rule.name] = rule.default, DEFAULT_SOURCE
            return
        if rule.value_map is not None and value is not None:
            try:
                value = ([self._lookup(rule, v) for v in value]
                         if rule.field_type.many and isinstance(value, list)
                         else self._lookup(rule, value))
            except _Skip:
                return
            except _Defaulted:
                values[rule.name], sources[rule.name] = rule.default, DEFAULT_SOURCE
                return
        values[rule.name] = _coerce(rule.name, rule.field_type, value, path, rule.tz)
        sources[rule.name] = path

    def _look_up(self, rule: FieldRule, value: Any, lookups: abc.Mapping[str, Lookup]) -> Any:
        """Remote id(s) -> the table's value(s); a miss goes as `unmapped:` says."""
        assert rule.lookup is not None
        table = lookups.get(rule.lookup)
        if table is None:
            raise MappingError(rule.name, f'needs the lookup table "{rule.lookup}", which the '
                                          f"{self.kind} connector did not provide",
                               path=str(rule.path))
        if isinstance(value, list):
            found = [table.value(v) for v in value if v in table]
            missing = [v for v in value if v not in table]
        else:
            found, missing = [], [] if value in table else [value]
        if missing:
            if rule.unmapped == "keep_raw":
                return value
            if rule.unmapped == "default":
                raise _Defaulted
            if rule.unmapped != "drop":
                raise MappingError(rule.name, f"{show(missing[0])} at {rule.path} is not in the "
                                              f'lookup table "{rule.lookup}" ({len(table)} '
                                              "entries)", path=str(rule.path), value=missing[0])
            if not isinstance(value, list):
                raise _Skip
        return found if isinstance(value, list) else table.value(value)

    def _lookup(self, rule: FieldRule, value: Any) -> Any:
        assert rule.value_map is not None
        key = map_key(value)
        if key in rule.value_map:
            return rule.value_map[key]
        if rule.unmapped in ("keep_raw", "drop"):
            raise _Skip
        if rule.unmapped == "default":
            raise _Defaulted
        known = ", ".join(rule.value_map)
        # Say where the word goes: one override entry, not an edit of the shipped file.
        hint = (f"To accept it, add {show(key)}: <{rule.name} value> under "
                f"{self.overrides_at}.types.{self.remote_type}.fields.{rule.name}.map "
                "(then `hub sync --full` reads the record again)")
        raise MappingError(rule.name, f"{show(value)} at {rule.path} is not in the value map "
                                      f"(known: {known}). {hint}", path=str(rule.path),
                           value=value)

    def outbound(self, values: abc.Mapping[str, Any],
                 lookups: abc.Mapping[str, Lookup] | None = None, *,
                 creating: bool = False) -> dict[str, Any]:
        """Remote path -> remote value for the outbound fields present in `values` (canonical
        values, as Python objects or in their `to_json` form), or with `creating` the fields a
        new record is created with; raises one `MappingError`."""
        patch: dict[str, Any] = {}
        errors: list[MappingError] = []
        for rule in self.rules:
            if not (rule.creates if creating else rule.writes) or rule.name not in values:
                continue
            try:
                written = self._write(rule, values[rule.name], lookups or {})
                key, remote = rule.path.write(written)
                patch[key] = remote
            except MappingError as exc:
                errors.append(exc)
        if errors:
            raise MappingError.combine(errors)
        return patch

    def same_remotely(self, name: str, a: Any, b: Any,
                      lookups: abc.Mapping[str, Lookup] | None = None) -> bool:
        """Whether two canonical values of field `name` are one value in the tool (its value
        map may fold several canonical values into one, e.g. in_review and in_progress both
        "Doing")."""
        if name not in self.outbound_fields:
            return False
        try:
            return self.outbound({name: a}, lookups) == self.outbound({name: b}, lookups)
        except MappingError:
            return False

    def _write(self, rule: FieldRule, given: Any, lookups: abc.Mapping[str, Lookup]) -> Any:
        path = str(rule.path)
        value = _coerce(rule.name, rule.field_type, given, path, rule.tz, outbound=True)
        if rule.value_map is not None and value is not None:
            value = ([self._reverse(rule, v) for v in value] if rule.field_type.many
                     else self._reverse(rule, value))
        if rule.lookup and value is not None:
            if isinstance(value, list) and rule.unmapped == "drop":  # what the tool lacks stays
                table = lookups.get(rule.lookup)
                value = [v for v in value if table is not None and _has_value(table, v)]
            value = ([self._remote_id(rule, v, lookups) for v in value]
                     if isinstance(value, list) else self._remote_id(rule, value, lookups))
        if rule.transform:
            if rule.transform.outbound is None:  # the loader refuses this; a guard for callers
                raise MappingError(rule.name, f"transform {rule.transform.name} can't write",
                                   path=path)
            value = _convert(rule, rule.transform.outbound, value)
        try:
            return to_json(value)
        except TypeError as exc:
            raise MappingError(rule.name, f"{show(value)} for {path}: {exc}", path=path,
                               value=value) from None

    def _remote_id(self, rule: FieldRule, value: Any,
                   lookups: abc.Mapping[str, Lookup]) -> str:
        table = lookups.get(rule.lookup or "")
        try:
            if table is None:
                raise KeyError(value)
            return table.remote_id(to_json(value))
        except KeyError:
            raise MappingError(rule.name, f"no {self.kind} id for "
                                          f'{show(to_json(value))} in the lookup table '
                                          f'"{rule.lookup}"', path=str(rule.path),
                               value=value) from None

    def _reverse(self, rule: FieldRule, value: Any) -> Any:
        key = map_key(to_json(value))
        if key in rule.reverse:
            return rule.reverse[key]
        raise MappingError(rule.name, f"no {self.kind} value for {rule.name}={key}; "
                                      "add it to reverse:", path=str(rule.path), value=value)


def _has_value(table: Lookup, value: Any) -> bool:
    try:
        table.remote_id(to_json(value))
    except KeyError:
        return False
    return True


def _convert(rule: FieldRule, function: abc.Callable[[Any], Any] | None, value: Any) -> Any:
    if function is None:
        return value
    try:
        return function(value)
    except Exception as exc:  # a transform (maybe a plugin's) must not stop the batch
        name = rule.transform.name if rule.transform else "?"
        raise MappingError(rule.name, f"transform {name} failed on {show(value)} at "
                                      f"{rule.path}: {exc}", path=str(rule.path),
                           value=value) from None


def _coerce(name: str, field_type: FieldType, value: Any, path: str, tz: tzinfo | None,
            *, outbound: bool = False) -> Any:
    try:
        return coerce(field_type, value, tz)
    except CoercionError as exc:
        where = f"for {path}" if outbound else f"at {path}"
        raise MappingError(name, f"{show(value)} {where} {exc}", path=path, value=value) from None


@dataclass(frozen=True)
class Envelope:
    """How a tool wraps records in what it sends (a webhook body): a payload with top-level
    key `when` holds its record at `at`, of remote type `remote_type`. An envelope that only
    names the record (Asana's events) has a `hint` saying where the record itself is
    (`{value}` is what `at` holds, e.g. the task's gid)."""

    when: str
    at: RemotePath
    remote_type: str | None = None
    hint: str | None = None

    def open(self, payload: abc.Mapping[str, Any]) -> Any:
        """What this envelope holds in `payload`, or ABSENT when `payload` isn't one."""
        return self.at.read(payload) if self.when in payload else ABSENT


class Mapping:
    """A connector kind's mapping: one `TypeMapping` per remote type, and the envelopes its
    tool wraps records in."""

    def __init__(self, kind: str, types: dict[str, TypeMapping], path: Path | None = None,
                 envelopes: tuple[Envelope, ...] = ()) -> None:
        self.kind = kind
        self.types = types
        self.path = path
        self.envelopes = envelopes

    def unwrap(self, payload: abc.Mapping[str, Any]) -> tuple[Envelope, Any] | None:
        """The first envelope `payload` is, and what it holds there; None for a bare record."""
        for envelope in self.envelopes:
            inside = envelope.open(payload)
            if inside is not ABSENT:
                return envelope, inside
        return None

    def __repr__(self) -> str:
        return f"Mapping({self.kind}: {', '.join(self.types)})"

    def for_type(self, remote_type: str) -> TypeMapping:
        """The mapping of `remote_type`; `MappingError` if this mapping doesn't have it."""
        try:
            return self.types[remote_type]
        except KeyError:
            known = ", ".join(self.types) or "none"
            raise MappingError("", f'the {self.kind} mapping has no remote type "{remote_type}" '
                                   f"(known: {known})") from None
