"""Jira's JSON for what the sandbox holds: issues (v3 with ADF descriptions, v2 with plain
text), users, projects, statuses, changelogs; `fields` selection as Jira reads it."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import UTC, tzinfo
from typing import Any

from connectors.jira.sandbox.catalog import (
    BUDGET_OPTIONS,
    BUDGET_STATUS,
    CATEGORIES,
    FIELD_NAMES,
    ISSUE_FIELDS,
    ISSUE_TYPES,
    NAVIGABLE_FIELDS,
    PRIORITIES,
    RESOLUTIONS,
    STORY_POINTS,
)
from connectors.jira.sandbox.fields import Directory
from connectors.jira.sandbox.model import History, Issue, Project, User, jira_time
from connectors.jira.sandbox.workflow import Status, Transition
from hub.mapping.adf import adf_to_text

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
CHANGELOG_PAGE = 100  # Jira embeds at most this many histories in an issue


def select_fields(requested: Iterable[str] | None, default: str) -> list[str] | None:
    """The fields to show, in Jira's order, for a `fields` parameter (comma-separated values,
    possibly repeated); None means ids only (the search default)."""
    tokens = [t.strip() for part in (requested or [default]) for t in str(part).split(",")]
    tokens = [t for t in tokens if t]
    if not tokens:
        tokens = [default]
    wanted: set[str] = set()
    excluded: set[str] = set()
    groups = {"*all": ISSUE_FIELDS, "*navigable": NAVIGABLE_FIELDS}
    for token in tokens:
        if token.startswith("-"):
            excluded.add(token[1:])
        else:
            wanted.update(groups.get(token, [token]))
    if not wanted and excluded:
        wanted.update(NAVIGABLE_FIELDS)  # `-description` alone: every navigable field but that
    wanted -= excluded
    if wanted <= {"id"}:
        return None
    known = [name for name in ISSUE_FIELDS if name in wanted]
    return known + sorted(name for name in wanted - set(ISSUE_FIELDS) - {"id", "key"}
                          if name.startswith("customfield_"))


class Renderer:
    """Renders for one caller: their API version (2 or 3), base URL and time zone."""

    def __init__(self, site: Directory, base_url: str, api_version: int = 3,
                 zone: tzinfo = UTC) -> None:
        self.site = site
        self.base = base_url.rstrip("/")
        self.api = f"{self.base}/rest/api/{api_version}"
        self.version = api_version
        self.zone = zone
        self._users: dict[str, dict[str, Any] | None] = {}  # one response names few people

    # -- small objects ---------------------------------------------------------------------
    def user(self, account_id: str | None) -> dict[str, Any] | None:
        """A user as Jira embeds one (null when unset)."""
        if not account_id:
            return None
        if account_id not in self._users:
            found = self.site.user(account_id)
            self._users[account_id] = self.user_of(found) if found else None
        return self._users[account_id]

    def user_of(self, user: User) -> dict[str, Any]:
        """A user's JSON."""
        initials = "".join(part[:1] for part in user.display_name.split()[:2]).upper() or "U"
        avatar = ("https://avatar-management--avatars.server-location.prod.public.atl-paas.net/"
                  f"initials/{initials}-5.png")
        return {"self": f"{self.api}/user?accountId={user.account_id}",
                "accountId": user.account_id, "emailAddress": user.email,
                "avatarUrls": {f"{n}x{n}": f"{avatar}?size={n}&s={n}" for n in (48, 24, 16, 32)},
                "displayName": user.display_name, "active": user.active,
                "timeZone": user.time_zone, "accountType": user.account_type}

    def status(self, status: Status) -> dict[str, Any]:
        """A status with its category."""
        category = CATEGORIES[status.category]
        return {"self": f"{self.api}/status/{status.id}", "description": "",
                "iconUrl": f"{self.base}/images/icons/statuses/generic.png",
                "name": status.name, "id": status.id,
                "statusCategory": {"self": f"{self.api}/statuscategory/{category.id}",
                                   "id": category.id, "key": category.key,
                                   "colorName": category.color, "name": category.name}}

    def project(self, project: Project, *, full: bool = False) -> dict[str, Any]:
        """A project (with `full`, as /project/search lists it)."""
        out: dict[str, Any] = {
            "self": f"{self.api}/project/{project.id}", "id": str(project.id),
            "key": project.key, "name": project.name, "projectTypeKey": "software",
            "simplified": False,
            "avatarUrls": {f"{n}x{n}": f"{self.base}/rest/api/3/universal_avatar/view/type/"
                                       f"project/avatar/10400?size={n}"
                           for n in (48, 24, 16, 32)}}
        if full:
            out = {"expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
                   **out, "style": "classic", "isPrivate": False, "properties": {}}
        return out

    def issuetype(self, type_id: str) -> dict[str, Any]:
        """An issue type."""
        name, level = ISSUE_TYPES[type_id]
        return {"self": f"{self.api}/issuetype/{type_id}", "id": type_id, "description": "",
                "iconUrl": f"{self.base}/images/icons/issuetypes/{name.lower()}.svg",
                "name": name, "subtask": level < 0, "avatarId": 10318, "hierarchyLevel": level}

    def priority(self, priority_id: str | None) -> dict[str, Any] | None:
        """A priority (null when unset)."""
        if priority_id is None:
            return None
        name = PRIORITIES[priority_id]
        return {"self": f"{self.api}/priority/{priority_id}",
                "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
                "name": name, "id": priority_id}

    def resolution(self, resolution_id: str | None) -> dict[str, Any] | None:
        """A resolution (null while the issue is unresolved)."""
        if resolution_id is None:
            return None
        return {"self": f"{self.api}/resolution/{resolution_id}", "id": resolution_id,
                "description": "", "name": RESOLUTIONS[resolution_id]}

    def time(self, ms: int | None) -> str | None:
        """A timestamp in the caller's zone."""
        return jira_time(ms, self.zone)

    # -- issues ----------------------------------------------------------------------------
    def issue(self, issue: Issue, fields: list[str] | None, *, expand: Iterable[str] = (),
              properties: Iterable[str] = ()) -> dict[str, Any]:
        """An issue; `fields` from `select_fields` (None: the id alone, as search answers)."""
        expand = set(expand)
        if fields is None and not expand and not properties:
            return {"id": str(issue.id)}
        out: dict[str, Any] = {"expand": ISSUE_EXPAND, "id": str(issue.id),
                               "self": f"{self.api}/issue/{issue.id}", "key": issue.key}
        if "renderedFields" in expand:
            out["renderedFields"] = self.rendered(issue)
        if "names" in expand:
            out["names"] = {name: FIELD_NAMES.get(name, name) for name in fields or ()}
        out["fields"] = {}
        for name in fields or ():
            render = _FIELD_RENDERERS.get(name)
            if render is None:
                continue
            if name == "parent" and issue.values.get("parent") is None:
                continue  # Jira leaves `parent` out of issues that have none
            out["fields"][name] = render(self, issue)
        wanted = [key for key in properties if key in issue.properties]
        if properties:
            out["properties"] = {key: issue.properties[key] for key in wanted}
        if "transitions" in expand:
            with_fields = "transitions.fields" in expand
            out["transitions"] = [self.transition(issue, step, with_fields) for step in
                                  issue.project.workflow.available(issue.status.name)]
        if "changelog" in expand:
            out["changelog"] = self.changelog(issue)
        return out

    def transition(self, issue: Issue, step: Transition, with_fields: bool) -> dict[str, Any]:
        """A transition available to the issue (with `with_fields`, its screen's fields)."""
        workflow = issue.project.workflow
        screen = workflow.needs_resolution(step)
        out: dict[str, Any] = {"id": step.id, "name": step.name,
                               "to": self.status(workflow.status(step.to)), "hasScreen": screen,
                               "isGlobal": not step.sources, "isInitial": False,
                               "isAvailable": True, "isConditional": False, "isLooped": False}
        if with_fields:
            out["fields"] = {"resolution": {
                "required": True, "schema": {"type": "resolution", "system": "resolution"},
                "name": "Resolution", "key": "resolution", "hasDefaultValue": False,
                "operations": ["set"],
                "allowedValues": [self.resolution(r) for r in RESOLUTIONS]}} if screen else {}
        return out

    def rendered(self, issue: Issue) -> dict[str, Any]:
        """`renderedFields`: the description as HTML, times as Jira shows them."""
        text = adf_to_text(issue.values.get("description"))
        body = "".join(f"<p>{html.escape(block)}</p>" for block in (text or "").split("\n\n")
                       if block)
        return {"description": body or None, "created": self.time(issue.created),
                "updated": self.time(issue.updated)}

    def changelog(self, issue: Issue) -> dict[str, Any]:
        """The embedded changelog: the most recent histories first, as the spec describes."""
        recent = issue.histories[::-1][:CHANGELOG_PAGE]
        return {"startAt": 0, "maxResults": len(recent), "total": len(issue.histories),
                "histories": [self.history(h) for h in recent]}

    def history(self, history: History) -> dict[str, Any]:
        """One changelog entry."""
        return {"id": str(history.id), "author": self.user(history.author),
                "created": self.time(history.created), "items": history.items}

    def description(self, issue: Issue) -> Any:
        """ADF in v3, plain text in v2."""
        value = issue.values.get("description")
        return adf_to_text(value) if self.version == 2 else value

    def parent(self, issue: Issue) -> dict[str, Any] | None:
        """The parent issue, as Jira embeds it."""
        parent = self.site.find(str(issue.values.get("parent")))
        if parent is None:
            return None
        return {"id": str(parent.id), "key": parent.key, "self": f"{self.api}/issue/{parent.id}",
                "fields": {"summary": parent.values.get("summary"),
                           "status": self.status(parent.status),
                           "priority": self.priority(parent.values.get("priority")),
                           "issuetype": self.issuetype(parent.issuetype)}}

    def option(self, option_id: str | None) -> dict[str, Any] | None:
        """A select option (null when unset)."""
        if option_id is None:
            return None
        return {"self": f"{self.api}/customFieldOption/{option_id}",
                "value": BUDGET_OPTIONS[option_id], "id": option_id}


_FIELD_RENDERERS: dict[str, Callable[[Renderer, Issue], Any]] = {
    "summary": lambda r, i: i.values.get("summary"),
    "description": Renderer.description,
    "status": lambda r, i: r.status(i.status),
    "assignee": lambda r, i: r.user(i.values.get("assignee")),
    "reporter": lambda r, i: r.user(i.values.get("reporter")),
    "creator": lambda r, i: r.user(i.creator),
    "priority": lambda r, i: r.priority(i.values.get("priority")),
    "duedate": lambda r, i: i.values.get("duedate"),
    "labels": lambda r, i: list(i.values.get("labels") or []),
    "created": lambda r, i: r.time(i.created),
    "updated": lambda r, i: r.time(i.updated),
    "project": lambda r, i: r.project(i.project),
    "issuetype": lambda r, i: r.issuetype(i.issuetype),
    "resolution": lambda r, i: r.resolution(i.resolution),
    "resolutiondate": lambda r, i: r.time(i.resolved),
    "statuscategorychangedate": lambda r, i: r.time(i.category_changed),
    "parent": Renderer.parent,
    "components": lambda r, i: [],
    "fixVersions": lambda r, i: [],
    "issuelinks": lambda r, i: [],
    "subtasks": lambda r, i: [],
    "environment": lambda r, i: None,
    # The sandbox keeps no comments or work logs: the empty pages Jira embeds.
    "comment": lambda r, i: {"comments": [], "self": f"{r.api}/issue/{i.id}/comment",
                             "maxResults": 0, "total": 0, "startAt": 0},
    "worklog": lambda r, i: {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
    STORY_POINTS: lambda r, i: i.values.get(STORY_POINTS),
    BUDGET_STATUS: lambda r, i: r.option(i.values.get(BUDGET_STATUS)),
}
