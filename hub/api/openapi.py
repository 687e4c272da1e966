"""The OpenAPI description, as FastAPI builds it from the routes and models, with what pydantic
describes loosely said as the code checks it:

- a comma-separated list of names (`fields`, `include`, `sort`, enum filters) is an array of
  that enum, sent comma-separated (style form, explode false), so a generated client has the
  enum as a type;
- keys of an object that must match a pattern are `propertyNames` (pydantic writes
  `patternProperties`, which lets any other key through).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hub.query.params import LIST_OF


def install(app: FastAPI) -> None:
    """Serve `app`'s description with the corrections below (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            app.openapi_schema = _lists_as_arrays(_keys_by_name(schema))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _lists_as_arrays(schema: dict[str, Any]) -> dict[str, Any]:
    """Query parameters marked `LIST_OF` as arrays of their names, comma-separated."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                names = _list_names(parameter.get("schema", {}))
                if names is None:
                    continue
                parameter["schema"] = {"type": "array", "minItems": 1,
                                       "items": {"type": "string", "enum": names}}
                parameter["style"], parameter["explode"] = "form", False
    return schema


def _list_names(schema: dict[str, Any]) -> list[str] | None:
    if LIST_OF in schema:
        return list(schema[LIST_OF])
    for option in schema.get("anyOf", []):  # optional: the names, or null
        if LIST_OF in option:
            return list(option[LIST_OF])
    return None


def _keys_by_name(node: Any) -> Any:
    """Objects whose every key must match one pattern, as `propertyNames` (the keys) and
    `additionalProperties` (the values)."""
    if isinstance(node, list):
        return [_keys_by_name(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _keys_by_name(value) for key, value in node.items()}
    patterns = out.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "properties" not in out:
        [(pattern, values)] = patterns.items()
        del out["patternProperties"]
        out["propertyNames"] = {**out.get("propertyNames", {}), "pattern": pattern}
        out["additionalProperties"] = values
    return out
