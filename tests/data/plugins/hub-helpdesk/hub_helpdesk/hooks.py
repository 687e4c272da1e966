"""What Helpdesk's manifest can't say. The engine calls the functions defined here by name
(`record`, `patch`, `lookups`; see `hub.sdk.declarative.hooks`); delete what you don't need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def record(connector: Any, remote_type: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A ticket as the mapping reads it: here, its assignee's e-mail at the top level."""
    return {**raw, "assignee_email": (raw.get("assignee") or {}).get("email")}


def patch(connector: Any, remote_type: str, patch: dict[str, Any], *, hub_id: str | None,
          create: bool) -> dict[str, Any]:
    """A patch as the tool takes it: the assignee by e-mail."""
    if "assignee_email" in patch:
        patch["assignee"] = {"email": patch.pop("assignee_email")}
    return patch
