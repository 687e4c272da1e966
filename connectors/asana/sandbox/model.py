"""The sandbox's Asana objects: a workspace, people, projects with sections and custom field
settings, tasks. Times are epoch milliseconds; gids are numeric strings as in Asana."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def iso(ms: int | None) -> str | None:
    """Asana's timestamp form, e.g. `2026-11-21T10:00:00.000Z`."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(eq=False)
class User:
    """A person in the workspace."""

    gid: str
    seq: int
    email: str
    name: str

    def compact(self) -> dict[str, Any]:
        """The compact record Asana nests in other resources."""
        return {"gid": self.gid, "resource_type": "user", "name": self.name}


@dataclass(eq=False)
class EnumOption:
    """One choice of an enum custom field."""

    gid: str
    name: str
    color: str = "none"
    enabled: bool = True

    def record(self) -> dict[str, Any]:
        """As Asana renders an enum option."""
        return {"gid": self.gid, "resource_type": "enum_option", "name": self.name,
                "enabled": self.enabled, "color": self.color}


@dataclass(eq=False)
class CustomField:
    """A workspace custom field ("enum", "text" or "number")."""

    gid: str
    name: str
    type: str
    options: list[EnumOption] = field(default_factory=list)

    def option(self, ref: str) -> EnumOption | None:
        """An option by gid (what the API takes) or, for Python callers, by name."""
        return next((o for o in self.options if ref in (o.gid, o.name)), None)

    def definition(self) -> dict[str, Any]:
        """The field itself, as in `custom_field_settings[].custom_field`."""
        out: dict[str, Any] = {"gid": self.gid, "resource_type": "custom_field",
                               "name": self.name, "type": self.type,
                               "resource_subtype": self.type}
        if self.type == "enum":
            out["enum_options"] = [o.record() for o in self.options]
        if self.type == "number":
            out["precision"] = 0
        return out

    def value_record(self, value: Any) -> dict[str, Any]:
        """The field with a task's value, as in a task's `custom_fields`."""
        out: dict[str, Any] = {"gid": self.gid, "resource_type": "custom_field",
                               "name": self.name, "type": self.type,
                               "resource_subtype": self.type}
        display: str | None = None
        if self.type == "enum":
            chosen = self.option(value) if value else None
            out["enum_options"] = [o.record() for o in self.options]
            out["enum_value"] = chosen.record() if chosen else None
            display = chosen.name if chosen else None
        elif self.type == "text":
            out["text_value"] = value
            display = value
        else:
            out["number_value"] = value
            display = None if value is None else f"{value:g}"
        out["display_value"] = display
        return out


@dataclass(eq=False)
class Section:
    """A column/section of a project."""

    gid: str
    name: str
    project: Project

    def compact(self) -> dict[str, Any]:
        """The compact record."""
        return {"gid": self.gid, "resource_type": "section", "name": self.name}


@dataclass(eq=False)
class Project:
    """A project: its sections, its custom fields, and its tasks in order."""

    gid: str
    seq: int
    name: str
    created_at: int
    sections: list[Section] = field(default_factory=list)
    fields: list[CustomField] = field(default_factory=list)
    tasks: dict[str, Task] = field(default_factory=dict)  # gid -> task, in creation order
    archived: bool = False

    def compact(self) -> dict[str, Any]:
        """The compact record."""
        return {"gid": self.gid, "resource_type": "project", "name": self.name}

    def section(self, ref: str) -> Section | None:
        """A section by gid or name."""
        return next((s for s in self.sections if ref in (s.gid, s.name)), None)


@dataclass(eq=False)
class Task:
    """A task; `memberships` maps each project's gid to the task's section there."""

    gid: str
    seq: int
    name: str
    created_at: int
    modified_at: int
    notes: str = ""
    completed: bool = False
    completed_at: int | None = None
    due_on: str | None = None
    assignee: User | None = None
    memberships: dict[str, Section] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)  # field gid -> option gid/text/number
    external: dict[str, Any] | None = None
    parent: Task | None = None
    dependencies: list[str] = field(default_factory=list)
    deleted: bool = False
