"""pydantic validation errors as located, human lines: `file:line path: what is wrong`."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from hub.config.source import Loc, Located
from hub.errors import ConfigProblem


def validation_problems(exc: ValidationError, located: Located, prefix: Loc,
                        model: type[BaseModel]) -> list[ConfigProblem]:
    """Turn pydantic's errors into one located, human line each."""
    problems = []
    errors = exc.errors(include_url=False)
    misplaced = _misindented(errors, model)
    for error in errors:
        rel: Loc = tuple(error["loc"])
        loc = (*prefix, *rel)
        if rel in misplaced.values():
            continue  # said once, at the key that belongs under it
        if rel in misplaced:
            parent = misplaced[rel]
            line = located.line((*prefix, *parent))
            where = f" (line {line})" if line else ""
            message = (f'is not a key here; "{rel[-1]}" is a key of {parent[-1]}, which is '
                       f"empty{where}: indent {rel[-1]} under {parent[-1]}")
        else:
            message = _message(error, rel, loc, located, model)
        problems.append(located.problem(loc, message))
    return problems


def _misindented(errors: list[Any], model: type[BaseModel]) -> dict[Loc, Loc]:
    """Unknown keys that belong to an empty sibling section (`webhook:` left empty, `secret:`
    under it indented like `webhook`): unknown key's loc -> the section's loc."""
    empty = [tuple(e["loc"]) for e in errors
             if e.get("input") is None and e["type"] in ("model_type", "dict_type")]
    out: dict[Loc, Loc] = {}
    for error in errors:
        rel: Loc = tuple(error["loc"])
        if error["type"] != "extra_forbidden":
            continue
        for section in empty:
            if section[:-1] == rel[:-1] and str(rel[-1]) in _fields_at(model, section):
                out[rel] = section
                break
    return out


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
    if kind in ("model_type", "dict_type"):
        keys = sorted(_fields_at(model, rel))
        expected = f"a mapping of {', '.join(keys)}" if keys else "a mapping"
        if found is None:
            return f"is empty (expected {expected}; or remove the line for the defaults)"
        return f"{shown} is not a mapping (expected {expected})"
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
