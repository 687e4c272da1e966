"""What the sandbox's Jira site holds: users, projects, issues and their change histories.

Issue field values are kept in a compact internal form (account ids, option ids, issue ids,
ADF documents) keyed by Jira field id; `render` turns them into Jira's JSON.
Times are epoch milliseconds, UTC.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from connectors.jira.sandbox.workflow import Status, Workflow

MINUTE_MS = 60_000
DAY_MS = 86_400_000


@dataclass(eq=False)
class User:
    """An Atlassian account."""

    account_id: str
    email: str
    display_name: str
    active: bool = True
    time_zone: str = "UTC"
    account_type: str = "atlassian"

    @property
    def zone(self) -> tzinfo:
        """The zone Jira renders times and reads JQL dates in for this user."""
        return zone(self.time_zone)


@dataclass(eq=False)
class Project:
    """A project and the workflow its issues follow."""

    id: int
    key: str
    name: str
    workflow: Workflow
    lead: str | None = None
    counter: int = 0


@dataclass(eq=False, slots=True)
class History:
    """One changelog entry: who changed what, when."""

    id: int
    author: str | None
    created: int
    items: list[dict[str, Any]]


@dataclass(eq=False, slots=True)
class Issue:
    """An issue. `values` holds the editable fields by Jira id (see `fields`)."""

    id: int
    key: str
    number: int
    project: Project
    status: Status
    values: dict[str, Any]
    created: int
    updated: int
    creator: str | None = None
    issuetype: str = "10001"
    resolution: str | None = None
    resolved: int | None = None
    category_changed: int = 0
    properties: dict[str, Any] = field(default_factory=dict)
    histories: list[History] = field(default_factory=list)


def account_id_for(email: str) -> str:
    """A stable Atlassian-style account id (24 hex digits) for an e-mail address."""
    return "5b10" + hashlib.sha256(email.casefold().encode()).hexdigest()[:20]


_ZONES: dict[str, tzinfo] = {"UTC": UTC}


def zone(name: str) -> tzinfo:
    """A time zone by IANA name (cached; UTC for unknown names)."""
    if name not in _ZONES:
        try:
            _ZONES[name] = ZoneInfo(name)
        except (KeyError, ValueError):
            _ZONES[name] = UTC
    return _ZONES[name]


def jira_time(ms: int | None, where: tzinfo = UTC) -> str | None:
    """Jira's timestamp format: `2026-11-21T10:00:00.000+0000`."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, where)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}{moment:%z}"


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)
