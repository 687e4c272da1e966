"""The sandbox's Asana workspace in memory: people, projects with sections and custom fields,
tasks, the event log behind `/events` sync tokens, and the webhooks each change sends.

Every write goes through here, whether it comes over the API (the hub) or from Python (a person
in a test): both move `modified_at`, log events and queue webhooks, as in Asana.
One re-entrant lock guards it all, so a server thread and test code can share it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from connectors.asana.sandbox.catalog import COLORS, FIELDS, SECTIONS
from connectors.asana.sandbox.errors import bad_request, unknown_object
from connectors.asana.sandbox.events import Change, EventLog
from connectors.asana.sandbox.model import (
    CustomField,
    EnumOption,
    Project,
    Section,
    Task,
    User,
)
from connectors.asana.sandbox.stories import Stories
from connectors.asana.sandbox.webhooks import WebhookDispatcher


class AsanaState:
    """Everything the sandbox's workspace holds."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.workspace_gid, self.workspace_name = "1200000000000001", "Marketing Co"
        self.users: dict[str, User] = {}
        self.tokens: dict[str, User] = {}  # personal access token -> its owner
        self.projects: dict[str, Project] = {}
        self.tasks: dict[str, Task] = {}
        self.webhooks = WebhookDispatcher()
        self.stories = Stories(self)
        self.base_url = "https://app.asana.com"
        self.version = 0  # bumped on every change; task listings are cached per version
        self._emails: dict[str, User] = {}
        self._external: dict[str, Task] = {}
        self.events_log = EventLog()
        self._next = 1200000000000002
        self._last_ms = 0
        self._listings: OrderedDict[tuple[Any, ...], list[Task]] = OrderedDict()
        self.fields = [CustomField(self.gid(), name, kind,
                                   [EnumOption(self.gid(), o, COLORS[n % len(COLORS)])
                                    for n, o in enumerate(options)])
                       for name, kind, options in FIELDS]

    # -- lookups ---------------------------------------------------------------------------
    def now(self) -> int:
        """Epoch ms, strictly increasing, so every change moves `modified_at` forward."""
        with self.lock:
            self._last_ms = max(int(self.clock() * 1000), self._last_ms + 1)
            return self._last_ms

    def gid(self) -> str:
        """A fresh gid."""
        with self.lock:
            self._next += 1
            return str(self._next - 1)

    def workspace(self) -> dict[str, Any]:
        """The workspace's compact record."""
        return {"gid": self.workspace_gid, "resource_type": "workspace",
                "name": self.workspace_name}

    def user(self, ref: str, me: User | None = None) -> User:
        """A user by gid, e-mail or "me"; 400 as Asana answers for anything else."""
        found = me if ref == "me" else self.users.get(ref) or self._emails.get(ref.casefold())
        if found is None:
            raise bad_request(f"assignee: Not a recognized ID: {ref}")
        return found

    def user_by_email(self, email: str) -> User | None:
        """The person with this e-mail address (case-insensitive)."""
        return self._emails.get(email.casefold())

    def project(self, gid: str) -> Project:
        """A project by gid; Asana's 404 otherwise."""
        project = self.projects.get(gid)
        if project is None:
            raise unknown_object(gid, "project")
        return project

    def section(self, gid: str) -> Section:
        """A section by gid; 404 otherwise."""
        for project in self.projects.values():
            for section in project.sections:
                if section.gid == gid:
                    return section
        raise unknown_object(gid, "section")

    def task(self, ref: str) -> Task:
        """A task by gid or `external:<external gid>`; 404 otherwise."""
        if ref.startswith("external:"):
            found = self._external.get(ref.removeprefix("external:"))
        else:
            found = self.tasks.get(ref)
        if found is None:
            raise unknown_object(ref, "task")
        return found

    def fields_of(self, task: Task) -> list[CustomField]:
        """The custom fields of the task's projects, each once."""
        seen: dict[str, CustomField] = {}
        for project_gid in task.memberships:
            for field in self.projects[project_gid].fields:
                seen.setdefault(field.gid, field)
        return list(seen.values())

    def subtasks(self, task: Task) -> list[Task]:
        """The task's subtasks, oldest first."""
        return [t for t in self.tasks.values() if t.parent is task]

    def project_tasks(self, project: Project, modified_since: int | None = None,
                      incomplete_since: int | None = None) -> list[Task]:
        """A project's tasks in order, optionally modified since / not completed before a
        moment (`completed_since`); cached while nothing changes, for fast paging."""
        with self.lock:
            key = (project.gid, modified_since, incomplete_since, self.version)
            if key in self._listings:
                return self._listings[key]
            found = [t for t in project.tasks.values()
                     if (modified_since is None or t.modified_at >= modified_since)
                     and (incomplete_since is None or not t.completed
                          or (t.completed_at or 0) >= incomplete_since)]
            self._listings[key] = found
            if len(self._listings) > 16:
                self._listings.popitem(last=False)
            return found

    # -- directory -------------------------------------------------------------------------
    def add_user(self, email: str, name: str, token: str | None = None) -> User:
        """A person (the same e-mail again renames them); with `token`, an API account."""
        with self.lock:
            user = self.user_by_email(email)
            if user is None:
                user = User(self.gid(), len(self.users), email, name)
                self.users[user.gid] = user
                self._emails[email.casefold()] = user
            else:
                user.name = name
            if token:
                self.tokens[token] = user
            return user

    def add_project(self, name: str, sections: list[str] | None = None) -> Project:
        """A project with its sections and the catalog's custom fields."""
        with self.lock:
            project = Project(self.gid(), len(self.projects), name, self.now(),
                              fields=list(self.fields))
            for section_name in sections or SECTIONS:
                project.sections.append(Section(self.gid(), section_name, project))
            self.projects[project.gid] = project
            self.events_log.add_project(project.gid)
            self._changed()
            return project

    # -- writes ----------------------------------------------------------------------------
    def create_task(self, actor: User | None, data: dict[str, Any]) -> Task:
        """POST /tasks: a task in the projects/memberships given; events `added`."""
        with self.lock:
            if not data.get("projects") and not data.get("memberships") \
                    and not data.get("parent") and not data.get("workspace"):
                raise bad_request("workspace: Missing input")
            places = self._places(data)
            now = self.now()
            task = Task(self.gid(), len(self.tasks), "", now, now)
            if data.get("parent"):
                task.parent = self.task(str(data["parent"]))
            for section in places:
                task.memberships[section.project.gid] = section
            self._apply(task, {k: v for k, v in data.items()
                               if k not in ("projects", "memberships", "parent", "workspace")},
                        actor)
            self.insert(task)
            self._emit(actor, task, [("added", s.project.compact(), None) for s in places])
            return task

    def insert(self, task: Task) -> None:
        """Add a task as is (no checks, no events): for `create_task` and bulk seeding."""
        self.tasks[task.gid] = task
        for project_gid in task.memberships:
            self.projects[project_gid].tasks[task.gid] = task
        if task.external:
            self._external[str(task.external["gid"])] = task
        self._changed()

    def update_task(self, actor: User | None, task: Task, data: dict[str, Any]) -> Task:
        """PUT /tasks/{gid}: the fields given; one `changed` event per field that changed."""
        with self.lock:
            for name in ("projects", "memberships", "workspace", "parent"):
                if name in data:
                    raise bad_request(f"{name}: Cannot write this property in an update; use "
                                      "addProject, addTask or setParent")
            # Asana checks the whole request before it changes anything: a refused field
            # leaves the task as it was.
            before = {**vars(task), "custom": dict(task.custom)}
            try:
                changed = self._apply(task, data, actor)
            except Exception:
                vars(task).update(before)
                raise
            if changed:
                task.modified_at = self.now()
                self._changed()
                self._emit(actor, task, [("changed", None, {"field": f, "action": "changed"})
                                         for f in changed])
            return task

    def add_to_section(self, actor: User | None, task: Task, section: Section) -> Task:
        """POST /sections/{gid}/addTask: move (or add) the task to that section."""
        with self.lock:
            project = section.project
            old = task.memberships.get(project.gid)
            if old is section:
                return task
            task.memberships[project.gid] = section
            project.tasks.setdefault(task.gid, task)
            task.modified_at = self.now()
            self._changed()
            changes: list[Change] = []
            if old is None:
                changes.append(("added", project.compact(), None))
            else:
                changes.append(("removed", old.compact(), None))
            changes.append(("added", section.compact(), None))
            self._emit(actor, task, changes)
            return task

    def delete_task(self, actor: User | None, task: Task) -> None:
        """DELETE /tasks/{gid}: gone, with a `deleted` event (and its subtasks with it)."""
        with self.lock:
            for child in self.subtasks(task):
                self.delete_task(actor, child)
            self._emit(actor, task, [("deleted", None, None)])
            task.deleted = True
            self.tasks.pop(task.gid, None)
            for project_gid in task.memberships:
                self.projects[project_gid].tasks.pop(task.gid, None)
            if task.external:
                self._external.pop(str(task.external["gid"]), None)
            self._changed()

    def add_dependencies(self, actor: User | None, task: Task, gids: list[str]) -> None:
        """POST /tasks/{gid}/addDependencies: tasks this one waits on."""
        with self.lock:
            added = [g for g in (self.task(str(g)).gid for g in gids)
                     if g not in task.dependencies]
            if added:
                task.dependencies.extend(added)
                task.modified_at = self.now()
                self._changed()
                self._emit(actor, task, [("changed", None, {"field": "dependencies",
                                                            "action": "added"})])

    # -- events ----------------------------------------------------------------------------
    def events(self, resource: str, token: str | None) -> dict[str, Any]:
        """GET /events: up to 100 events after `token`; 412 with a fresh token without one."""
        with self.lock:
            return self.events_log.read(self.project(resource).gid, token)

    def expire_sync_tokens(self) -> None:
        """Forget every sync token (the next `/events` call answers 412)."""
        with self.lock:
            self.events_log.expire()

    # -- internals -------------------------------------------------------------------------
    def _changed(self) -> None:
        self.version += 1

    def _places(self, data: dict[str, Any]) -> list[Section]:
        places: dict[str, Section] = {}
        for item in data.get("memberships") or []:
            if not isinstance(item, dict) or "project" not in item:
                raise bad_request("memberships: Each membership needs a project")
            project = self.project(str(item["project"]))
            ref = item.get("section")
            section = project.section(str(ref)) if ref else None
            if ref and (section is None or section.gid != str(ref)):
                raise bad_request(f"memberships: Section {ref} is not in project "
                                  f"{project.gid}")
            places[project.gid] = section or project.sections[0]
        for gid in data.get("projects") or []:
            project = self.project(str(gid))
            places.setdefault(project.gid, project.sections[0])
        return list(places.values())

    def _apply(self, task: Task, data: dict[str, Any], actor: User | None) -> list[str]:
        """Set the writable fields in `data`; the names of those that changed."""
        changed: list[str] = []

        def put(name: str, value: Any, attr: str | None = None) -> None:
            if getattr(task, attr or name) != value:
                setattr(task, attr or name, value)
                changed.append(name)

        for text in ("name", "notes"):
            if text in data:  # strings, never null (asana.yaml TaskBase); "" clears the notes
                if not isinstance(data[text], str):
                    raise bad_request(f"{text}: Not a string: {json.dumps(data[text])}")
                put(text, data[text])
        if "due_on" in data:
            put("due_on", _day(data["due_on"]))
        if "assignee" in data:
            ref = data["assignee"]
            put("assignee", None if ref is None else self.user(str(ref), actor))
        if "completed" in data:
            done = data["completed"]
            if not isinstance(done, bool):
                raise bad_request("completed: Not a boolean")
            if done != task.completed:
                task.completed_at = self.now() if done else None
            put("completed", done)
        if "custom_fields" in data:
            self._custom(task, data["custom_fields"], changed)
        if "external" in data:
            self._set_external(task, data["external"], changed)
        return changed

    def _custom(self, task: Task, values: Any, changed: list[str]) -> None:
        if not isinstance(values, dict):
            raise bad_request("custom_fields: Not an object")
        known = {f.gid: f for f in self.fields_of(task)}
        for gid, value in values.items():
            field = known.get(str(gid))
            if field is None:
                raise bad_request(f"custom_fields: Custom field with ID {gid} is not on "
                                  "given object")
            if value is not None and field.type == "enum":
                option = field.option(str(value))
                if option is None or option.gid != str(value):
                    raise bad_request(f"custom_fields: Enum option {value} is not a valid "
                                      f"option for custom field {gid}")
            elif value is not None and field.type == "text" and not isinstance(value, str):
                raise bad_request(f"custom_fields: Text value for {gid} must be a string")
            elif value is not None and field.type == "number" and (
                    isinstance(value, bool) or not isinstance(value, int | float)):
                raise bad_request(f"custom_fields: Number value for {gid} must be a number")
            if task.custom.get(field.gid) != value:
                task.custom[field.gid] = value
                if "custom_fields" not in changed:
                    changed.append("custom_fields")

    def _set_external(self, task: Task, value: Any, changed: list[str]) -> None:
        if value is not None and (not isinstance(value, dict) or not value.get("gid")):
            raise bad_request("external: Must be an object with a gid")
        if value is not None:
            gid, data = str(value["gid"]), value.get("data")
            if data is not None and (not isinstance(data, str) or len(data) > 1024):
                raise bad_request("external.data: Must be a string of at most 1024 characters")
            other = self._external.get(gid)
            if other is not None and other is not task:
                raise bad_request(f"external.gid: {gid} is already in use by another object")
            value = {"gid": gid, "data": data}
        if task.external == value:
            return
        if task.external:
            self._external.pop(str(task.external["gid"]), None)
        task.external = value
        if value is not None and task.gid in self.tasks:
            self._external[value["gid"]] = task
        changed.append("external")

    def _emit(self, actor: User | None, task: Task, changes: list[Change]) -> None:
        events = self.events_log.record(actor, task, changes, self.now())
        for project_gid in task.memberships:
            self.webhooks.publish(project_gid, events)


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()[:10]
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise bad_request(f"due_on: {value} is not a valid date (YYYY-MM-DD)") from None
