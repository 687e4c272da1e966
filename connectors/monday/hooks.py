"""What monday.com's manifest can't say: column values come as a list of typed values with
their JSON, and go back as one JSON object keyed by column id (a status by its label, people
by their ids, a date as {"date": ...})."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any


def record(connector: Any, remote_type: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """An item with its columns by meaning: status (label), people (user ids), date, hub_id."""
    if remote_type != "item":
        return dict(raw)
    settings = connector.config
    by_id = {c["id"]: c for c in raw.get("column_values") or []}
    people = json.loads((by_id.get(settings.people_column) or {}).get("value") or "{}")
    return {**raw, "status": (by_id.get(settings.status_column) or {}).get("text"),
            "people": [str(p["id"]) for p in people.get("personsAndTeams") or []
                       if p.get("kind") == "person"],
            "date": (by_id.get(settings.date_column) or {}).get("text") or None,
            "hub_id": (by_id.get(settings.hub_id_column) or {}).get("text") or None}


def patch(connector: Any, remote_type: str, patch: dict[str, Any], *, hub_id: str | None,
          create: bool) -> dict[str, Any]:
    """The mapping's patch as monday's column values."""
    settings = connector.config
    shapes: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "status": (settings.status_column, lambda v: {"label": v} if v else None),
        "people": (settings.people_column, lambda v: {"personsAndTeams": [
            {"id": int(i), "kind": "person"} for i in v or []]}),
        "date": (settings.date_column, lambda v: {"date": str(v)[:10]} if v else None),
        "hub_id": (settings.hub_id_column, lambda v: v),
        "name": ("name", lambda v: v),
    }
    out: dict[str, Any] = {}
    for path, value in patch.items():
        if path in shapes and not (create and path == "name"):  # a new item's name is its own
            column, shape = shapes[path]
            out[column] = shape(value)
    return out
