"""The OpenAPI description, as FastAPI builds it from the routes and models, with what pydantic
describes loosely said as the code checks it: keys of an object that must match a pattern are
`propertyNames` (pydantic writes `patternProperties`, which lets any other key through)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


def install(app: FastAPI) -> None:
    """Serve `app`'s description with the corrections below (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            app.openapi_schema = _keys_by_name(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


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
