"""The mapping engine: remote payloads <-> canonical field values, per connector kind.

A mapping file (`mappings/<kind>.yaml`) says, for each remote type of a tool, which canonical
entity it is and where each canonical field comes from: a path into the tool's JSON, a
transform, a value map (and its reverse for writing), the type the value must have.
"""

from __future__ import annotations

from hub.mapping.engine import FieldRule, Mapping, Normalised, TypeMapping
from hub.mapping.errors import MappingError
from hub.mapping.loader import (
    OverridesOrigin,
    default_mapping_path,
    load_mapping,
    merge_overrides,
)
from hub.mapping.lookups import Lookup, Lookups
from hub.mapping.paths import ABSENT, RemotePath, parse_path
from hub.mapping.transforms import Transform, register_transform, transform_names
from hub.mapping.values import FieldType, coerce, from_json, to_json

__all__ = [
    "ABSENT",
    "FieldRule",
    "FieldType",
    "Lookup",
    "Lookups",
    "Mapping",
    "MappingError",
    "Normalised",
    "OverridesOrigin",
    "RemotePath",
    "Transform",
    "TypeMapping",
    "coerce",
    "default_mapping_path",
    "from_json",
    "load_mapping",
    "merge_overrides",
    "parse_path",
    "register_transform",
    "to_json",
    "transform_names",
]
