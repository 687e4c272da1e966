"""The fixed configuration of the sandbox's Jira site: priorities, issue types, resolutions,
status categories, the fields it knows (system and custom) and the options of its select field.

Ids and names follow a default Jira Cloud company-managed site, so clients see familiar values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STORY_POINTS = "customfield_10016"
BUDGET_STATUS = "customfield_10050"
BUDGET_CONTEXT_ID = "10150"

#: priority id -> name, highest first (Jira's default priority scheme)
PRIORITIES = {"1": "Highest", "2": "High", "3": "Medium", "4": "Low", "5": "Lowest"}
DEFAULT_PRIORITY = "3"

#: issue type id -> (name, hierarchy level)
ISSUE_TYPES = {"10000": ("Epic", 1), "10001": ("Task", 0), "10002": ("Bug", 0),
               "10003": ("Story", 0), "10004": ("Subtask", -1)}
DEFAULT_ISSUE_TYPE = "10001"

#: resolution id -> name
RESOLUTIONS = {"10000": "Done", "10001": "Won't Do", "10002": "Duplicate",
               "10003": "Cannot Reproduce"}

#: option id -> value of the "Hub budget status" select field
BUDGET_OPTIONS = {"10100": "approved", "10101": "pending", "10102": "rejected",
                  "10103": "over_budget", "10104": "unknown"}


@dataclass(frozen=True)
class Category:
    """A status category as Jira names it (`new`, `indeterminate`, `done`)."""

    id: int
    key: str
    name: str
    color: str


CATEGORIES = {c.key: c for c in (Category(2, "new", "To Do", "blue-gray"),
                                 Category(4, "indeterminate", "In Progress", "yellow"),
                                 Category(3, "done", "Done", "green"))}


def lookup(table: dict[str, str], ref: Any) -> str | None:
    """The id in `table` (id -> name) that `ref` names: `{"id": ..}`, `{"name": ..}`, or a
    bare id or name (names case-insensitive)."""
    if isinstance(ref, dict):
        if "id" in ref:
            return str(ref["id"]) if str(ref["id"]) in table else None
        ref = ref.get("name", ref.get("value"))
    if ref is None:
        return None
    text = str(ref)
    if text in table:
        return text
    return next((key for key, name in table.items() if name.casefold() == text.casefold()), None)


def _field(field_id: str, name: str, schema: dict[str, Any], *, clauses: list[str] | None = None,
           orderable: bool = True, navigable: bool = True, searchable: bool = True,
           key: str | None = None) -> dict[str, Any]:
    custom = field_id.startswith("customfield_")
    out: dict[str, Any] = {
        "id": field_id, "key": key or field_id, "name": name, "custom": custom,
        "orderable": orderable, "navigable": navigable, "searchable": searchable,
        "clauseNames": clauses if clauses is not None else [field_id]}
    if schema:  # a field without a type (the issue key) has no `schema` (FieldDetails)
        out["schema"] = schema
    if custom:
        number = field_id.removeprefix("customfield_")
        out["clauseNames"] = [f"cf[{number}]", name]
    return out


def _system(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "system": name, **extra}


FIELDS: list[dict[str, Any]] = [
    _field("issuekey", "Key", {}, clauses=["id", "issue", "issuekey", "key"], orderable=False),
    _field("summary", "Summary", _system("summary", "string")),
    _field("description", "Description", _system("description", "string")),
    _field("status", "Status", _system("status", "status"), orderable=False),
    _field("statusCategory", "Status Category", _system("statusCategory", "statusCategory"),
           orderable=False),
    _field("assignee", "Assignee", _system("assignee", "user")),
    _field("reporter", "Reporter", _system("reporter", "user")),
    _field("creator", "Creator", _system("creator", "user"), orderable=False),
    _field("priority", "Priority", _system("priority", "priority")),
    _field("duedate", "Due date", _system("duedate", "date"), clauses=["due", "duedate"]),
    _field("labels", "Labels", _system("labels", "array", items="string")),
    _field("created", "Created", _system("created", "datetime"),
           clauses=["created", "createdDate"], orderable=False),
    _field("updated", "Updated", _system("updated", "datetime"),
           clauses=["updated", "updatedDate"], orderable=False),
    _field("project", "Project", _system("project", "project")),
    _field("issuetype", "Issue Type", _system("issuetype", "issuetype"),
           clauses=["issuetype", "type"]),
    _field("resolution", "Resolution", _system("resolution", "resolution")),
    _field("resolutiondate", "Resolved", _system("resolutiondate", "datetime"),
           clauses=["resolutiondate", "resolved"], orderable=False),
    _field("statuscategorychangedate", "Status Category Changed",
           _system("statuscategorychangedate", "datetime"), orderable=False),
    _field("parent", "Parent", {"type": "issuelink", "system": "parent"}),
    _field("components", "Components", _system("components", "array", items="component"),
           clauses=["component"]),
    _field("fixVersions", "Fix versions", _system("fixVersions", "array", items="version"),
           clauses=["fixVersion"]),
    _field("issuelinks", "Linked Issues", _system("issuelinks", "array", items="issuelinks"),
           clauses=["issueLink"]),
    _field("subtasks", "Sub-tasks", _system("subtasks", "array", items="issuelinks"),
           clauses=["subtasks"], orderable=False),
    _field("environment", "Environment", _system("environment", "string")),
    # Not navigable: `*all` returns them, `*navigable` (and `-field` alone) does not.
    _field("comment", "Comment", {"type": "comments-page", "system": "comment"},
           navigable=False),
    _field("worklog", "Log Work", _system("worklog", "array", items="worklog"), clauses=[],
           navigable=False),
    _field(STORY_POINTS, "Story point estimate", {
        "type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float",
        "customId": 10016}),
    _field(BUDGET_STATUS, "Hub budget status", {
        "type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
        "customId": 10050}),
]
FIELD_NAMES = {f["id"]: f["name"] for f in FIELDS}
#: what an issue's `fields` holds, in Jira's order (`issuekey` is the key, not a field)
ISSUE_FIELDS = [f["id"] for f in FIELDS if f["id"] not in ("issuekey", "statusCategory")]
#: what `*navigable` asks for: every field but the non-navigable ones (comment, worklog)
NAVIGABLE_FIELDS = [f["id"] for f in FIELDS if f["id"] in ISSUE_FIELDS and f["navigable"]]
#: fields a PUT or create may set (status and the dates are Jira's own)
EDITABLE = {"summary", "description", "assignee", "reporter", "priority", "duedate", "labels",
            "parent", STORY_POINTS, BUDGET_STATUS}
