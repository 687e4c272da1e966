"""The sandbox's Jira site in memory: accounts, projects with workflows, issues with their
properties and changelogs, and the webhooks each change sends.

Every write goes through here, whether it comes over the API (the hub) or from Python (a person
in a test): both bump `updated`, record a changelog entry and queue webhooks, as in Jira.
One re-entrant lock guards it all, so a server thread and test code can share it.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, tzinfo
from typing import Any

from connectors.jira.sandbox.catalog import (
    DEFAULT_ISSUE_TYPE,
    DEFAULT_PRIORITY,
    ISSUE_FIELDS,
    ISSUE_TYPES,
    lookup,
)
from connectors.jira.sandbox.comments import Comments
from connectors.jira.sandbox.errors import JiraApiError, cannot_set, field_error, not_found
from connectors.jira.sandbox.fields import (
    change_items,
    read_fields,
    resolution_id,
    resolution_item,
    status_item,
)
from connectors.jira.sandbox.jql import JqlError, parse
from connectors.jira.sandbox.model import History, Issue, Project, User, account_id_for
from connectors.jira.sandbox.render import Renderer
from connectors.jira.sandbox.search import Compiler
from connectors.jira.sandbox.webhooks import WebhookDispatcher
from connectors.jira.sandbox.workflow import Transition, Workflow, default_workflow

UNBOUNDED = ("Unbounded JQL queries are not allowed here. Please add a search restriction to "
             "your query.")


class JiraState:
    """Everything the sandbox's site holds."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.users: dict[str, User] = {}
        self.tokens: dict[str, str] = {}  # e-mail (casefolded) -> API token
        self.projects: dict[str, Project] = {}
        self.issues: dict[int, Issue] = {}
        self.webhooks = WebhookDispatcher()
        self.comments = Comments(self)
        self.base_url = "https://sandbox.atlassian.net"
        self.default_zone: tzinfo = UTC
        self.version = 0  # bumped on every change; search results are cached per version
        self._emails: dict[str, str] = {}
        self._keys: dict[str, Issue] = {}
        self._next = {"issue": 10000, "project": 10000, "history": 10000}
        self._last_ms = 0
        self._searches: OrderedDict[tuple[Any, ...], list[Issue]] = OrderedDict()

    # -- lookups ---------------------------------------------------------------------------
    def now(self) -> int:
        """Epoch ms, strictly increasing, so every change moves `updated` forward."""
        with self.lock:
            self._last_ms = max(int(self.clock() * 1000), self._last_ms + 1)
            return self._last_ms

    def user(self, account_id: str) -> User | None:
        """The account with this id."""
        return self.users.get(account_id)

    def user_by_email(self, email: str) -> User | None:
        """The account with this e-mail address (case-insensitive)."""
        account = self._emails.get(email.casefold())
        return self.users.get(account) if account else None

    def find(self, ref: str) -> Issue | None:
        """An issue by id or key."""
        text = str(ref).strip()
        if text.isdigit():
            return self.issues.get(int(text))
        return self._keys.get(text.upper())

    def get(self, ref: str) -> Issue:
        """Like `find`, but Jira's 404 when there is no such issue."""
        found = self.find(ref)
        if found is None:
            raise not_found()
        return found

    def project_of(self, ref: Any) -> Project | None:
        """A project by `{"key"}`, `{"id"}`, key or id."""
        if isinstance(ref, dict):
            ref = ref.get("key", ref.get("id"))
        text = str(ref or "")
        by_id = {str(p.id): p for p in self.projects.values()}
        return self.projects.get(text.upper()) or by_id.get(text)

    def renderer(self, api_version: int = 3, zone: tzinfo | None = None,
                 base_url: str | None = None) -> Renderer:
        """A renderer for this site."""
        return Renderer(self, base_url or self.base_url, api_version, zone or self.default_zone)

    # -- directory -------------------------------------------------------------------------
    def add_user(self, email: str, display_name: str, active: bool = True,
                 time_zone: str = "UTC") -> User:
        """An account (the same e-mail again updates it in place)."""
        with self.lock:
            user = self.user_by_email(email)
            if user is not None:
                user.display_name, user.active, user.time_zone = display_name, active, time_zone
                return user
            user = User(account_id_for(email), email, display_name, active, time_zone)
            self.users[user.account_id] = user
            self._emails[email.casefold()] = user.account_id
            return user

    def add_account(self, email: str, token: str, display_name: str | None = None) -> User:
        """An account that can call the API with Basic auth (e-mail, API token)."""
        with self.lock:
            user = self.user_by_email(email)
            if user is None or display_name:
                name = display_name or email.split("@")[0].replace(".", " ").title()
                user = self.add_user(email, name, user.active if user else True,
                                     user.time_zone if user else "UTC")
            self.tokens[email.casefold()] = token
            return user

    def authenticate(self, email: str, token: str) -> User | None:
        """The caller if the credentials are right and the account is active."""
        expected = self.tokens.get(email.casefold())
        user = self.user_by_email(email)
        if expected is None or user is None or not user.active:
            return None
        return user if hmac.compare_digest(expected.encode(), token.encode()) else None

    def add_project(self, key: str, name: str, workflow: Workflow | None = None,
                    lead: str | None = None) -> Project:
        """A project (keys are upper case in Jira)."""
        with self.lock:
            if key.upper() in self.projects:
                raise ValueError(f"project {key} exists already")
            project = Project(self._take("project"), key.upper(), name,
                              workflow or default_workflow(), lead)
            self.projects[project.key] = project
            self._changed()
            return project

    def set_workflow(self, key: str, workflow: Workflow,
                     status_map: dict[str, str] | None = None) -> None:
        """Give a project a new workflow. Issues in a status the new one lacks move to
        `status_map[old name]` or to its initial status (Jira's migration)."""
        with self.lock:
            project = self.projects[key.upper()]
            project.workflow = workflow
            for issue in self.issues.values():
                if issue.project is project:
                    target = (status_map or {}).get(issue.status.name, issue.status.name)
                    issue.status = workflow.find(target) or workflow.start
            self._changed()

    # -- writes ----------------------------------------------------------------------------
    def create(self, actor: User, fields: dict[str, Any], update: dict[str, Any] | None = None,
               properties: list[dict[str, Any]] | None = None, api_version: int = 3) -> Issue:
        """Create an issue from Jira's create body; webhooks `jira:issue_created`."""
        with self.lock:
            errors: dict[str, str] = {}
            project = self.project_of(fields.get("project"))
            if project is None:
                errors["project"] = "Specify a valid project ID or key"
            types = {k: v[0] for k, v in ISSUE_TYPES.items()}
            raw_type = fields.get("issuetype")
            issuetype = DEFAULT_ISSUE_TYPE if raw_type is None else lookup(types, raw_type)
            if issuetype is None:
                errors["issuetype"] = "The issue type selected is invalid."
            if "summary" not in fields and "summary" not in (update or {}):
                errors["summary"] = "You must specify a summary of the issue."
            if "status" in fields:
                errors.update(cannot_set("status").errors)
            rest = {k: v for k, v in fields.items() if k not in ("project", "issuetype", "status")}
            try:
                values = read_fields(self, rest, update or {}, {}, api_version)
            except JiraApiError as exc:
                errors.update(exc.errors)
                values = {}
            for item in properties or []:
                if not isinstance(item, dict) or not item.get("key"):
                    errors["properties"] = "Each property needs a key and a value"
            if errors or project is None or issuetype is None:
                raise JiraApiError(400, errors=errors)
            values.setdefault("priority", DEFAULT_PRIORITY)
            values.setdefault("reporter", actor.account_id)
            values.setdefault("labels", [])
            issue = self.insert(project, values, issuetype, actor.account_id, self.now())
            for item in properties or []:
                issue.properties[str(item["key"])] = item.get("value")
            self._emit("jira:issue_created", "issue_created", issue, actor, None)
            return issue

    def insert(self, project: Project, values: dict[str, Any], issuetype: str,
               creator: str | None, when: int, status: str | None = None) -> Issue:
        """Add an issue as is (no checks, no webhook): for `create` and bulk seeding."""
        project.counter += 1
        issue = Issue(self._take("issue"), f"{project.key}-{project.counter}", project.counter,
                      project, project.workflow.find(status or "") or project.workflow.start,
                      values, when, when, creator, issuetype, category_changed=when)
        self.issues[issue.id] = issue
        self._keys[issue.key] = issue
        self._changed()
        return issue

    def edit(self, actor: User, issue: Issue, fields: dict[str, Any],
             update: dict[str, Any] | None = None, api_version: int = 3) -> History | None:
        """Apply Jira's edit body; status is refused, as in Jira. None if nothing changed."""
        with self.lock:
            if "status" in fields or "status" in (update or {}):
                raise cannot_set("status")
            new = read_fields(self, fields, update or {}, issue.values, api_version)
            items = change_items(self, issue.values, new)
            if not items:
                return None
            issue.values.update(new)
            history = self._record(issue, actor, items)
            only_assignee = {i["fieldId"] for i in items} == {"assignee"}
            self._emit("jira:issue_updated", "issue_assigned" if only_assignee
                       else "issue_updated", issue, actor, history)
            return history

    def transitions(self, issue: Issue) -> list[Transition]:
        """The transitions available from the issue's status."""
        return issue.project.workflow.available(issue.status.name)

    def transition(self, actor: User, issue: Issue, body: dict[str, Any]) -> History:
        """Apply Jira's transition body (`transition.id`, optional `fields.resolution`)."""
        with self.lock:
            ref = body.get("transition")
            wanted = str(ref.get("id", "")) if isinstance(ref, dict) else ""
            if not wanted:
                raise JiraApiError(400, ["Missing 'transition' identifier"])
            step = next((t for t in self.transitions(issue) if t.id == wanted), None)
            if step is None:
                raise JiraApiError(400, [f"Transition id '{wanted}' is not valid for this "
                                         "issue."])
            workflow = issue.project.workflow
            fields = dict(body.get("fields") or {})
            update = dict(body.get("update") or {})
            screen = workflow.needs_resolution(step)
            resolution = fields.pop("resolution", None)
            if "resolution" in update:
                ops = update.pop("resolution")
                resolution = ops[0].get("set") if isinstance(ops, list) and ops else None
            if resolution is not None and not screen:
                raise cannot_set("resolution")
            if screen and resolution is None:
                raise field_error("resolution", "Resolution is required.")
            extra = next(iter([*fields, *update]), None)
            if extra is not None:
                raise cannot_set(extra)  # the transition screen holds the resolution only
            chosen = resolution_id(resolution) if screen else None
            return self._move(actor, issue, step, chosen)

    def _move(self, actor: User, issue: Issue, step: Transition,
              resolution: str | None) -> History:
        target = issue.project.workflow.status(step.to)
        source = issue.status
        items = [status_item(source, target)]
        old_resolution = issue.resolution
        if target.category != "done":
            resolution = None  # leaving done clears the resolution (Jira's reopen function)
        elif resolution is None:
            resolution = old_resolution
        if resolution != old_resolution:
            items.append(resolution_item(old_resolution, resolution))
            issue.resolution = resolution
        issue.status = target
        history = self._record(issue, actor, items)
        if target.category != source.category:
            issue.category_changed = history.created
        if resolution != old_resolution:
            issue.resolved = history.created if resolution else None
        kind = "issue_generic"
        if resolution and not old_resolution:
            kind = "issue_resolved"
        elif source.category == "done" and target.category != "done":
            kind = "issue_reopened"
        self._emit("jira:issue_updated", kind, issue, actor, history)
        return history

    def delete(self, actor: User, issue: Issue) -> None:
        """Delete an issue; webhooks `jira:issue_deleted` with its last state."""
        with self.lock:
            self._emit("jira:issue_deleted", "issue_deleted", issue, actor, None)
            del self.issues[issue.id]
            del self._keys[issue.key]
            for child in self.issues.values():
                if child.values.get("parent") == issue.id:
                    child.values["parent"] = None
            self._changed()

    def set_property(self, issue: Issue, key: str, value: Any) -> bool:
        """Store an issue property; True if it is new. (Jira leaves `updated` alone.)"""
        if not key or len(key) > 255:
            raise JiraApiError(400, ["The property key must be between 1 and 255 characters."])
        if len(json.dumps(value)) > 32768:
            raise JiraApiError(400, ["The property value must be at most 32768 bytes."])
        with self.lock:
            created = key not in issue.properties
            issue.properties[key] = value
            self._changed()
            return created

    def delete_property(self, issue: Issue, key: str) -> None:
        """Remove an issue property; 404 if there is none."""
        with self.lock:
            if key not in issue.properties:
                raise not_found(f"The property with key '{key}' does not exist.")
            del issue.properties[key]
            self._changed()

    # -- search ----------------------------------------------------------------------------
    def search(self, jql: str, caller: User | None, *, bounded: bool = True) -> list[Issue]:
        """The issues matching `jql`, in its order; 400 with Jira's message when invalid."""
        with self.lock:
            now = self.now()
            cache_key = (jql, caller.account_id if caller else None, self.version,
                         now // 60_000)
            if cache_key in self._searches:
                self._searches.move_to_end(cache_key)
                return self._searches[cache_key]
            try:
                query = parse(jql)
                if bounded and query.where is None:
                    raise JiraApiError(400, [UNBOUNDED])
                compiler = Compiler(self, caller, now)
                match = compiler.predicate(query.where) if query.where else (lambda _: True)
                found = compiler.sort([i for i in self.issues.values() if match(i)],
                                      query.order_by)
            except JqlError as exc:
                raise JiraApiError(400, [str(exc)]) from None
            self._searches[cache_key] = found
            if len(self._searches) > 16:
                self._searches.popitem(last=False)
            return found

    def matches(self, jql: str, issue: Issue) -> bool:
        """Whether one issue matches `jql` (webhook filters); invalid JQL matches nothing."""
        try:
            query = parse(jql)
            return query.where is None or Compiler(self, None, self.now()).predicate(
                query.where)(issue)
        except JqlError:
            return False

    # -- internals -------------------------------------------------------------------------
    def _take(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind] - 1

    def _changed(self) -> None:
        self.version += 1

    def _record(self, issue: Issue, actor: User | None, items: list[dict[str, Any]]) -> History:
        history = History(self._take("history"), actor.account_id if actor else None,
                          self.now(), items)
        issue.histories.append(history)
        issue.updated = history.created
        self._changed()
        return history

    def _emit(self, event: str, kind: str, issue: Issue, actor: User | None,
              history: History | None) -> None:
        hooks = [h for h in self.webhooks.hooks()
                 if h.wants(event) and (not h.jql or self.matches(h.jql, issue))]
        if not hooks:
            return
        render = self.renderer(api_version=2)  # Jira's webhooks carry the REST v2 shape
        payload: dict[str, Any] = {
            "timestamp": history.created if history else self.now(), "webhookEvent": event,
            "issue_event_type_name": kind, "user": render.user_of(actor) if actor else None,
            "issue": render.issue(issue, ISSUE_FIELDS)}
        if history is not None:
            payload["changelog"] = {"id": str(history.id), "items": history.items}
        body = json.dumps(payload, separators=(",", ":")).encode()
        for hook in hooks:
            self.webhooks.enqueue(hook, event, issue.key, body)

