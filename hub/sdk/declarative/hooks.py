"""Hooks: the escape hatch for what a manifest can't say. A connector's hooks module defines
any of these functions, by name; the engine calls those it finds:

    def record(connector, remote_type, raw) -> dict:
        "The tool's object as the mapping reads it (flatten, resolve, rename)."

    def patch(connector, remote_type, patch, *, hub_id, create) -> dict:
        "The patch as the tool takes it (monday.com's column values JSON)."

    def lookups(connector, rows) -> dict[str, dict[str, object]]:
        "Lookup entries the API doesn't give (members' e-mails from the config); `rows` are
        the raw records each table was read from."
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

NAMES = ("record", "patch", "lookups")


@dataclass(frozen=True)
class Hooks:
    """The hook functions of one connector kind (None where the module has none)."""

    record: Callable[[Any, str, Mapping[str, Any]], Mapping[str, Any]] | None = None
    patch: Callable[..., dict[str, Any]] | None = None
    lookups: Callable[[Any, Mapping[str, list[Any]]], Mapping[str, Mapping[str, Any]]] | None \
        = None

    @classmethod
    def load(cls, module: str | None) -> Hooks:
        """The hooks a module defines (ImportError if it can't be imported)."""
        if not module:
            return cls()
        found = importlib.import_module(module)
        return cls(**{name: getattr(found, name) for name in NAMES
                      if callable(getattr(found, name, None))})
