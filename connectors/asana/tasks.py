"""Asana tasks as the hub sees them: a flattened payload a mapping can name simply.

`custom.<name>` holds each custom field's value by snake_case name (`custom.jira_key`),
`section` the section in the scoped project, and `status` the task's state: the done status
when completed, else the status custom field, else the section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub.sdk.connector import RemoteRecord

TASK_FIELDS = ",".join([
    "name", "notes", "completed", "completed_at", "due_on", "modified_at", "created_at",
    "permalink_url", "assignee.email", "assignee.name", "parent.gid",
    "memberships.project.gid", "memberships.project.name",
    "memberships.section.gid", "memberships.section.name",
    "custom_fields.gid", "custom_fields.name", "custom_fields.type",
    "custom_fields.enum_value.name", "custom_fields.text_value",
    "custom_fields.number_value", "custom_fields.display_value",
    "external.gid", "external.data",
])


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


class EventResource(_Lenient):
    gid: str
    resource_type: str


class Event(_Lenient):
    """One event of a webhook delivery, as Asana always sends it."""

    action: str
    resource: EventResource
    parent: EventResource | None = None


class EventBatch(_Lenient):
    """A webhook delivery: `{"events": [...]}` (empty for a heartbeat)."""

    events: list[Event]


def snake(name: str) -> str:
    """`Jira key` -> `jira_key`."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def parse_time(value: str | None) -> datetime | None:
    """Asana's ISO 8601 (`2026-11-21T10:00:00.000Z`) as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def flatten(task: Mapping[str, Any], projects: list[str], status_field: str,
            done_status: str) -> dict[str, Any]:
    """The task with `custom`, `project`, `section` and `status` added."""
    out = dict(task)
    custom: dict[str, Any] = {}
    for cf in task.get("custom_fields") or []:
        kind = cf.get("type")
        value = (cf.get("enum_value") or {}).get("name") if kind == "enum" else \
            cf.get("number_value") if kind == "number" else cf.get("text_value")
        custom[snake(str(cf.get("name", "")))] = value if value is not None \
            else cf.get("display_value")
    out["custom"] = custom
    scoped = [m for m in task.get("memberships") or []
              if (m.get("project") or {}).get("gid") in projects]
    membership = scoped[0] if scoped else {}
    out["project"] = membership.get("project")
    out["section"] = (membership.get("section") or {}).get("name")
    out["status"] = done_status if task.get("completed") else \
        custom.get(snake(status_field)) or out["section"]
    return out


def to_record(task: Mapping[str, Any], flat: dict[str, Any], deleted: bool = False
              ) -> RemoteRecord:
    """An Asana task as a remote record."""
    external = task.get("external") or {}
    return RemoteRecord(
        remote_type="task", remote_id=str(task["gid"]), payload=flat,
        updated_at=parse_time(task.get("modified_at")), url=task.get("permalink_url"),
        hub_id=external.get("gid") if isinstance(external, dict) else None, deleted=deleted)


def assignees(tasks: Iterable[RemoteRecord], seen: set[str]) -> list[RemoteRecord]:
    """The assignees of these tasks as `user` records (people), each once per `seen`: a person
    is one across tools through their link from every tool that knows them."""
    out = []
    for task in tasks:
        user = task.payload.get("assignee")
        if isinstance(user, dict) and user.get("gid") and str(user["gid"]) not in seen:
            seen.add(str(user["gid"]))
            out.append(RemoteRecord("user", str(user["gid"]), {
                "gid": str(user["gid"]), "email": user.get("email"), "name": user.get("name")}))
    return out
