"""How the sandbox answers: full records of each resource, Asana's `opt_fields` projection
(compact nested records unless a dotted path asks for more), and offset pagination with
`next_page: {offset, path, uri}`."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from connectors.asana.sandbox.errors import bad_request
from connectors.asana.sandbox.model import Project, Task, User, iso

if TYPE_CHECKING:
    from connectors.asana.sandbox.state import AsanaState

T = TypeVar("T")
Tree = dict[str, "Tree"]
#: what GET /tasks/{gid} returns without opt_fields (`external` joins when it is set)
TASK_FIELDS = ["gid", "resource_type", "resource_subtype", "name", "notes", "completed",
               "completed_at", "due_on", "due_at", "assignee", "memberships", "projects",
               "custom_fields", "created_at", "modified_at", "permalink_url", "parent",
               "workspace", "num_subtasks"]
PROJECT_FIELDS = ["gid", "resource_type", "name", "archived", "color", "notes", "created_at",
                  "modified_at", "workspace", "custom_field_settings", "permalink_url"]
USER_FIELDS = ["gid", "resource_type", "name", "email", "photo", "workspaces"]
MAX_UNPAGED = 1000
TOO_LARGE = "The result is too large. You should use pagination (may require specifying a " \
            "workspace)!"


def fields_tree(opt_fields: Sequence[str] | None) -> Tree | None:
    """`["assignee.email", "name"]` as {"assignee": {"email": {}}, "name": {}}; None if absent."""
    if not opt_fields:
        return None
    tree: Tree = {}
    for path in opt_fields:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def compact(value: Any) -> Any:
    """Nested resources shrink to gid/resource_type/name, as Asana nests them by default;
    custom fields and plain objects (external, memberships) stay whole."""
    if isinstance(value, list):
        return [compact(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("resource_type")
    if kind in ("custom_field", "custom_field_setting"):
        return value  # Asana nests these whole: the value and its options are the point
    if kind is not None:
        return {k: value[k] for k in ("gid", "resource_type", "name") if k in value}
    return {k: compact(v) for k, v in value.items()}


def project_fields(record: dict[str, Any], tree: Tree) -> dict[str, Any]:
    """The fields `tree` asks for (gid always), each nested value shaped by its subtree."""
    out: dict[str, Any] = {"gid": record["gid"]} if "gid" in record else {}
    for name, sub in tree.items():
        if name in record:
            out[name] = _shape(record[name], sub)
    return out


def _shape(value: Any, tree: Tree) -> Any:
    if isinstance(value, list):
        return [_shape(v, tree) for v in value]
    if isinstance(value, dict):
        return project_fields(value, tree) if tree else compact(value)
    return value


def shape(record: dict[str, Any], tree: Tree | None, default: Sequence[str]) -> dict[str, Any]:
    """`record` as the caller asked: `opt_fields` if given, else the `default` fields."""
    return project_fields(record, tree if tree is not None else {f: {} for f in default})


class Renderer:
    """Full records of the sandbox's resources."""

    def __init__(self, state: AsanaState) -> None:
        self.state = state

    def user(self, user: User) -> dict[str, Any]:
        """A user's full record."""
        return {**user.compact(), "email": user.email, "photo": None,
                "workspaces": [self.state.workspace()]}

    def project(self, project: Project) -> dict[str, Any]:
        """A project's full record, with its custom field settings."""
        settings = [{"gid": f"{project.gid}{n}", "resource_type": "custom_field_setting",
                     "is_important": True, "project": project.compact(),
                     "custom_field": f.definition()} for n, f in enumerate(project.fields)]
        return {**project.compact(), "archived": project.archived, "color": "light-green",
                "notes": "", "created_at": iso(project.created_at),
                "modified_at": iso(project.created_at), "workspace": self.state.workspace(),
                "custom_field_settings": settings,
                "permalink_url": f"https://app.asana.com/0/{project.gid}/{project.gid}"}

    def task(self, task: Task) -> dict[str, Any]:
        """A task's full record (nested records full too; `shape` trims them)."""
        state = self.state
        fields = state.fields_of(task)
        record: dict[str, Any] = {
            "gid": task.gid, "resource_type": "task", "resource_subtype": "default_task",
            "name": task.name, "notes": task.notes, "completed": task.completed,
            "completed_at": iso(task.completed_at), "due_on": task.due_on, "due_at": None,
            "assignee": ({**task.assignee.compact(), "email": task.assignee.email}
                         if task.assignee else None),
            "memberships": [{"project": state.projects[p].compact(), "section": s.compact()}
                            for p, s in task.memberships.items()],
            "projects": [state.projects[p].compact() for p in task.memberships],
            "custom_fields": [f.value_record(task.custom.get(f.gid)) for f in fields],
            "created_at": iso(task.created_at), "modified_at": iso(task.modified_at),
            "permalink_url": f"https://app.asana.com/0/0/{task.gid}",
            "parent": ({"gid": task.parent.gid, "resource_type": "task",
                        "name": task.parent.name} if task.parent else None),
            "workspace": state.workspace(), "num_subtasks": len(state.subtasks(task)),
            "dependencies": [{"gid": d, "resource_type": "task"} for d in task.dependencies]}
        if task.external:  # only when set, and its data only when it has some (asana.yaml)
            record["external"] = {k: v for k, v in task.external.items() if v is not None}
        return record

    def full_task(self, task: Task, tree: Tree | None) -> dict[str, Any]:
        """GET /tasks/{gid}: every default field (plus `external` when set) or `opt_fields`."""
        default = TASK_FIELDS + (["external"] if task.external else [])
        return shape(self.task(task), tree, default)


def paginate(items: Sequence[T], limit: int | None, offset: str | None,
             gid_of: Any) -> tuple[Sequence[T], str | None]:
    """One page of `items` and the offset of the next (None at the end). Without a limit
    everything comes back, unless that is more than Asana allows unpaged."""
    if limit is None:
        if offset is None and len(items) > MAX_UNPAGED:
            raise bad_request(TOO_LARGE)
        limit = MAX_UNPAGED if offset else len(items) or 1
    start = 0
    if offset:
        start = _resume(items, offset, gid_of)
    page = items[start:start + limit]
    end = start + len(page)
    if end >= len(items) or not page:
        return page, None
    token = f"{end}:{gid_of(page[-1])}".encode()
    return page, base64.urlsafe_b64encode(token).decode().rstrip("=")


def _resume(items: Sequence[Any], offset: str, gid_of: Any) -> int:
    # an offset names the last record seen; if writes shifted the list, find that record again
    try:
        raw = base64.urlsafe_b64decode(offset + "=" * (-len(offset) % 4)).decode()
        index_text, last = raw.split(":", 1)
        index = int(index_text)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("offset: Your pagination token is invalid.") from None
    if 0 < index <= len(items) and gid_of(items[index - 1]) == last:
        return index
    for position, item in enumerate(items):
        if gid_of(item) == last:
            return position + 1
    raise bad_request("offset: Your pagination token has expired. Please restart pagination.")


def next_page(base_url: str, path: str, query: dict[str, str], offset: str | None,
              limit: int | None) -> dict[str, str] | None:
    """Asana's `next_page` object for the page after this one, or None."""
    if offset is None:
        return None
    params = {k: v for k, v in query.items() if k != "offset"}
    params.update(limit=str(limit or 100), offset=offset)
    relative = f"{path}?{urlencode(params)}"
    return {"offset": offset, "path": relative, "uri": f"{base_url}/api/1.0{relative}"}
