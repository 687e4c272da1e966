"""Jira issues as the hub sees them: remote records with per-field change times, and JQL dates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.sdk.connector import RemoteRecord

#: fields read from Jira: what the default mapping needs, and changelog-friendly
FIELDS = ["summary", "description", "status", "assignee", "priority", "duedate", "labels",
          "created", "updated", "project", "issuetype", "resolution", "resolutiondate",
          "parent", "customfield_10016", "customfield_10050"]


class _Lenient(BaseModel):
    # Jira adds fields without notice; ids come as strings or numbers.
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


class WebhookIssue(_Lenient):
    """The issue of an issue event, as Jira always sends it."""

    id: str
    key: str
    fields: dict[str, Any]


class ChangeItem(_Lenient):
    """One field changed by the event."""

    field: str | None = None
    fieldId: str | None = None


class Changelog(_Lenient):
    items: list[ChangeItem] = []


class IssueEvent(_Lenient):
    """An issue webhook (`jira:issue_created`, `_updated`, `_deleted`): what the hub reads of
    it, checked at intake so a body without it is refused there."""

    webhookEvent: str
    #: ms since 1970, within what a date can be (year 9999)
    timestamp: int | None = Field(None, ge=0, le=253_402_300_799_999)
    issue: WebhookIssue
    changelog: Changelog | None = None


def parse_time(value: str | None) -> datetime | None:
    """Jira's `2026-11-21T10:00:00.000+0000` (or ISO 8601) as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)  # Python 3.11 reads `Z` and `+0000` too
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def jql_time(moment: datetime, zone: tzinfo) -> str:
    """A JQL date literal, minute precision, in the zone Jira reads it in (the user's)."""
    return moment.astimezone(zone).strftime("%Y/%m/%d %H:%M")


def field_times(issue: Mapping[str, Any]) -> dict[str, datetime]:
    """When each field last changed, from the issue's changelog (remote path -> time)."""
    out: dict[str, datetime] = {}
    histories = (issue.get("changelog") or {}).get("histories") or []
    for history in histories:
        when = parse_time(history.get("created"))
        if when is None:
            continue
        for item in history.get("items") or []:
            name = item.get("fieldId") or item.get("field")
            if not name:
                continue
            path = f"fields.{name}"
            if path not in out or when > out[path]:
                out[path] = when
    return out


def to_record(issue: Mapping[str, Any], base_url: str, hub_property: str,
              deleted: bool = False) -> RemoteRecord:
    """A Jira issue as a remote record."""
    fields = issue.get("fields") or {}
    properties = issue.get("properties") or {}
    hub = properties.get(hub_property) if isinstance(properties, dict) else None
    updated = parse_time(fields.get("updated"))
    return RemoteRecord(
        remote_type="issue", remote_id=str(issue["id"]), payload=issue, updated_at=updated,
        version=None, url=f"{base_url.rstrip('/')}/browse/{issue.get('key')}",
        hub_id=hub.get("id") if isinstance(hub, dict) else None, deleted=deleted,
        field_times=field_times(issue))


def assignees(issues: Iterable[RemoteRecord], seen: set[str]) -> list[RemoteRecord]:
    """The assignees of these issues as `user` records (people), each once per `seen`: a
    person is one across tools through their link from every tool that knows them."""
    out = []
    for issue in issues:
        user = (issue.payload.get("fields") or {}).get("assignee")
        if isinstance(user, dict) and user.get("accountId") and \
                str(user["accountId"]) not in seen:
            seen.add(str(user["accountId"]))
            out.append(RemoteRecord("user", str(user["accountId"]), dict(user)))
    return out
