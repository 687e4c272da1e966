"""Load `config.yaml`: YAML with lines, environment, then validation per connector kind.

Every problem becomes one line: `config.yaml:14 connectors.rd-jira.poll.every: "2 minutes" is
not a duration (try 2m, 90s, 1h)`. All problems are reported at once, not just the first.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from hub.config.models import CONNECTOR_ID, HubConfig
from hub.config.source import Loc, Located, read_yaml
from hub.errors import ConfigError, ConfigProblem
from hub.sdk.config import ConnectorConfig


def load_config(path: Path | str, kinds: Mapping[str, type[ConnectorConfig]],
                env: Mapping[str, str] | None = None) -> HubConfig:
    """Read and validate a config file; `kinds` maps each installed connector kind to its model.

    Raises `ConfigError` listing every problem found.
    """
    path = Path(path)
    located = read_yaml(path, env)
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([located.problem((), "the top level must be a mapping of sections")])
    problems: list[ConfigProblem] = []
    raw_connectors = data.get("connectors") or {}
    top = {k: v for k, v in data.items() if k != "connectors"}
    config: HubConfig | None = None
    try:
        config = HubConfig.model_validate({**top, "base_dir": path.parent})
    except ValidationError as exc:
        problems += validation_problems(exc, located, (), HubConfig)
    connectors: dict[str, ConnectorConfig] = {}
    if not isinstance(raw_connectors, dict):
        problems.append(located.problem(("connectors",), "must be a mapping of id -> settings"))
        raw_connectors = {}
    for connector_id, raw in raw_connectors.items():
        loc: Loc = ("connectors", connector_id)
        validated = _connector(connector_id, raw, loc, located, kinds, problems)
        if validated is not None:
            connectors[connector_id] = validated
    if problems or config is None:
        raise ConfigError(problems)
    return config.model_copy(update={"connectors": connectors})


def _connector(connector_id: Any, raw: Any, loc: Loc, located: Located,
               kinds: Mapping[str, type[ConnectorConfig]],
               problems: list[ConfigProblem]) -> ConnectorConfig | None:
    if not isinstance(connector_id, str) or not CONNECTOR_ID.match(connector_id):
        problems.append(located.problem(loc, "is not a valid connector id (lower-case letters, "
                                              "digits, - and _, starting with a letter)"))
        return None
    if not isinstance(raw, dict):
        problems.append(located.problem(loc, "must be a mapping with at least `kind`"))
        return None
    kind = raw.get("kind")
    if kind is None:
        problems.append(located.problem(loc, f"`kind` is required (one of: {_names(kinds)})"))
        return None
    model = kinds.get(str(kind))
    if model is None:
        hint = difflib.get_close_matches(str(kind), list(kinds), n=1)
        guess = f'did you mean "{hint[0]}"? ' if hint else ""
        problems.append(located.problem(
            (*loc, "kind"), f'"{kind}" is not an installed connector kind '
                            f"({guess}installed: {_names(kinds)})"))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems += validation_problems(exc, located, loc, model)
        return None


def _names(kinds: Mapping[str, Any]) -> str:
    return ", ".join(sorted(kinds)) or "none"


def validation_problems(exc: ValidationError, located: Located, prefix: Loc,
                        model: type[BaseModel]) -> list[ConfigProblem]:
    """Turn pydantic's errors into one located, human line each."""
    problems = []
    for error in exc.errors(include_url=False):
        rel: Loc = tuple(error["loc"])
        loc = (*prefix, *rel)
        problems.append(located.problem(loc, _message(error, rel, loc, located, model)))
    return problems


def _message(error: Any, rel: Loc, loc: Loc, located: Located, model: type[BaseModel]) -> str:
    kind, msg, found = error["type"], str(error["msg"]), error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, rel[:-1]))
        hint = difflib.get_close_matches(str(rel[-1]), allowed, n=1)
        if hint:
            return f'is not a known key (did you mean "{hint[0]}"?)'
        return f"is not a known key (expected one of: {', '.join(allowed)})"
    secret = loc in located.interpolated or _is_secret(model, rel)
    shown = "the value (hidden)" if secret else _show(found)
    if kind == "duration":  # our own error already quotes what was found
        return msg if not secret else f"{shown} is not a duration (try 2m, 90s, 1h)"
    msg = msg.removeprefix("Value error, ")
    if msg.startswith("is "):  # our validators phrase the problem as a predicate
        return f"{shown} {msg}"
    return f"{shown} is not valid: {msg[:1].lower()}{msg[1:]}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _unwrap(annotation: Any) -> list[Any]:
    """The alternatives of an annotation, through Annotated and Optional/Union."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a)]
    return [annotation]


def _step(annotation: Any, part: str | int) -> list[Any]:
    """The types found one step down `annotation` at key or index `part`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap(field.annotation) if field else []
    if typing.get_origin(annotation) in (dict, list, tuple, set, frozenset):
        return _unwrap(typing.get_args(annotation)[-1])
    return []


def _field_types(model: type[BaseModel], loc: Loc) -> list[Any]:
    current: list[Any] = [model]
    for part in loc:
        current = [t for a in current for t in _step(a, part)]
    return current


def _fields_at(model: type[BaseModel], loc: Loc) -> set[str]:
    names: set[str] = set()
    for t in _field_types(model, loc):
        if isinstance(t, type) and issubclass(t, BaseModel):
            names |= {n for n, f in t.model_fields.items() if not f.exclude}
    return names


def _is_secret(model: type[BaseModel], loc: Loc) -> bool:
    return any(t is SecretStr for t in _field_types(model, loc))
