"""A faithful, stateful Jira Cloud sandbox: the REST API v3 (and v2 mirrors) over real HTTP,
with Basic auth, JQL search with nextPageToken, workflows and transitions, issue properties,
signed admin webhooks, and fault knobs.

    sandbox = JiraSandbox()
    sandbox.seed(projects=2, issues_per_project=50)
    with serve(sandbox.app) as server:       # hub.testing.server
        ...  # the connector talks to server.url as hub@example.com / jira-token
        sandbox.transition("RD-1", "Done")    # a person in Jira; webhooks fire

Python methods act as a person in Jira would; the hub's writes over the API behave the same
(webhooks included). Knobs are also served under `/_sandbox` (see `admin`).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from fastapi import FastAPI
from pydantic import Field

from connectors.jira.sandbox.admin import admin_routes
from connectors.jira.sandbox.catalog import BUDGET_STATUS, ISSUE_FIELDS, STORY_POINTS
from connectors.jira.sandbox.comments import comment_routes, render_comment
from connectors.jira.sandbox.faults import Faults
from connectors.jira.sandbox.http import install_error_handlers
from connectors.jira.sandbox.issue_routes import issue_routes
from connectors.jira.sandbox.model import User
from connectors.jira.sandbox.seed import seed as seed_site
from connectors.jira.sandbox.site_routes import site_routes, webhook_routes
from connectors.jira.sandbox.state import JiraState
from connectors.jira.sandbox.webhooks import WebhookDispatcher
from connectors.jira.sandbox.workflow import Status, Transition, Workflow, default_workflow
from hub.mapping.adf import text_to_adf
from hub.testing.kit import SlowAnswers
from hub.testing.sandbox_app import sandbox_app
from hub.testing.served import SandboxOptions

__all__ = ["Faults", "JiraSandbox", "Status", "Transition", "Workflow", "create_app",
           "default_workflow"]

#: friendly names `create_issue`/`edit_issue` accept for Jira's field ids
ALIASES = {"story_points": STORY_POINTS, "budget_status": BUDGET_STATUS, "due": "duedate",
           "due_date": "duedate", "type": "issuetype"}


class JiraOptions(SandboxOptions):
    """`hub sandbox jira` options."""

    seed_issues: int = Field(default=0, description="issues to seed, over 3 projects")
    email: str = Field(default="hub@example.com", description="the API account's e-mail")
    token: str = Field(default="jira-token", description="the API account's token")


class JiraSandbox:
    """The site's state and the FastAPI app serving it; safe to use from test code while one
    uvicorn thread serves the app."""

    title: ClassVar[str] = "Jira"
    summary: ClassVar[str] = ("A Jira Cloud sandbox: REST API v3 and v2, JQL search, workflows, "
                              "webhooks, knobs.")
    default_port: ClassVar[int] = 8081
    options: ClassVar[type[SandboxOptions]] = JiraOptions

    def __init__(self, *, email: str = "hub@example.com", token: str = "jira-token",  # noqa: S107
                 seed: int = 0, time_zone: str = "UTC",
                 clock: Callable[[], float] = time.time) -> None:
        self.state = JiraState(clock)
        self.email, self.token = email, token
        self.account = self.state.add_account(email, token, "Integration Hub")
        self.account.time_zone = time_zone
        #: who acts in the Python methods unless told otherwise
        self.person = self.state.add_user("alex.person@example.com", "Alex Person")
        self.faults = Faults(seed=seed)
        self.calls: Counter[str] = Counter()
        self._seed = seed
        self.app = create_app(self)

    @classmethod
    def from_options(cls, options: JiraOptions) -> JiraSandbox:
        """A sandbox as `hub sandbox jira` starts it: seeded, or with one empty project."""
        sandbox = cls(email=options.email, token=options.token, seed=options.seed)
        if options.seed_issues > 0:
            projects = 3 if options.seed_issues >= 3 else 1
            sandbox.seed(projects=projects, users=10,
                         issues_per_project=math.ceil(options.seed_issues / projects))
        else:
            sandbox.add_project("RD", "Research & Development")
        return sandbox

    def welcome(self) -> list[str]:
        """How to sign in, and what is there."""
        keys = ", ".join(sorted(self.state.projects))
        return [f"email: {self.email}", f"API token: {self.token}",
                f"projects: {keys} ({len(self.state.issues)} issues)",
                "knobs: /_sandbox/faults, /_sandbox/seed, /_sandbox/webhooks"]

    @property
    def webhooks(self) -> WebhookDispatcher:
        """Registered webhooks and their delivery queue: `pause()`, `resume()`, `pending()`,
        and the retry policy (`max_attempts`, `retry_delay`)."""
        return self.state.webhooks

    # -- the site's directory --------------------------------------------------------------
    def add_user(self, email: str, display_name: str, active: bool = True) -> dict[str, Any]:
        """Add a person; returns their Jira user JSON (`accountId`, ...)."""
        return self.state.renderer().user_of(self.state.add_user(email, display_name, active))

    def add_account(self, email: str, token: str,
                    display_name: str | None = None) -> dict[str, Any]:
        """Add an account that can call the API (Basic auth with e-mail and API token)."""
        return self.state.renderer().user_of(self.state.add_account(email, token, display_name))

    def add_project(self, key: str, name: str, workflow: Workflow | None = None) -> dict[str, Any]:
        """Add a project (the default workflow unless given one); returns its JSON."""
        project = self.state.add_project(key, name, workflow, self.person.account_id)
        return self.state.renderer().project(project, full=True)

    def set_workflow(self, project_key: str, workflow: Workflow,
                     status_map: dict[str, str] | None = None) -> None:
        """Replace a project's workflow at run time ("a changed workflow"); issues in statuses
        it lacks move to `status_map[old]` or its initial status."""
        self.state.set_workflow(project_key, workflow, status_map)

    # -- what a person does ----------------------------------------------------------------
    def create_issue(self, project_key: str, summary: str, *, actor: str | None = None,
                     properties: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Create an issue as a person would (webhooks fire). Fields by Jira id or alias, in a
        friendly form: description as text, assignee as an e-mail, priority as a name,
        `status="In Progress"` (walked there through the workflow)."""
        values = self._friendly(fields)
        status = values.pop("status", None)
        values.update(project={"key": project_key}, summary=summary)
        who = self._actor(actor)
        issue = self.state.create(who, values, properties=[
            {"key": k, "value": v} for k, v in (properties or {}).items()])
        if status:
            return self.transition(issue.key, str(status), actor=actor)
        return self.issue(issue.key)

    def edit_issue(self, key: str, *, actor: str | None = None, **fields: Any) -> dict[str, Any]:
        """Edit fields as a person would (webhooks fire); same forms as `create_issue`.
        Status is not a field: use `transition`."""
        values = self._friendly(fields)
        if "status" in values:
            raise ValueError("status changes through transitions: use transition()")
        self.state.edit(self._actor(actor), self.state.get(key), values)
        return self.issue(key)

    def transition(self, key: str, to_status: str, *, actor: str | None = None,
                   resolution: str = "Done") -> dict[str, Any]:
        """Move an issue to `to_status` along the workflow's shortest path, one transition
        (and one webhook) per hop, as a person clicking through would."""
        who = self._actor(actor)
        with self.state.lock:
            issue = self.state.get(key)
            workflow = issue.project.workflow
            steps = workflow.path(issue.status.name, to_status)
            if steps is None:
                raise ValueError(f"{key}: no path from {issue.status.name!r} to {to_status!r} "
                                 f"in workflow {workflow.name!r}")
            for step in steps:
                body: dict[str, Any] = {"transition": {"id": step.id}}
                if workflow.needs_resolution(step):
                    body["fields"] = {"resolution": {"name": resolution}}
                self.state.transition(who, issue, body)
        return self.issue(key)

    def delete_issue(self, key: str, *, actor: str | None = None) -> None:
        """Delete an issue as a person would (webhook `jira:issue_deleted`)."""
        self.state.delete(self._actor(actor), self.state.get(key))

    def set_property(self, key: str, property_key: str, value: Any) -> None:
        """Store an issue property (e.g. `hub`: {"id": ...})."""
        self.state.set_property(self.state.get(key), property_key, value)

    def issue(self, key: str) -> dict[str, Any]:
        """An issue's current JSON (v3 shape, every field, with its properties)."""
        with self.state.lock:
            issue = self.state.get(key)
            return self.state.renderer().issue(issue, ISSUE_FIELDS,
                                               properties=list(issue.properties))

    def add_comment(self, key: str, text: str | dict[str, Any], *, actor: str | None = None,
                    visibility: dict[str, Any] | None = None) -> str:
        """Comment on an issue as a person would (text or ADF; webhook `comment_created`);
        the comment's id. `visibility={"type": "role", "value": "Developers"}` restricts it."""
        with self.state.lock:
            issue = self.state.get(key)
            return str(self.state.comments.add(self._actor(actor), issue, text, visibility).id)

    def edit_comment(self, key: str, comment_id: str, text: str, *,
                     actor: str | None = None) -> None:
        """Change a comment's text as a person would (webhook `comment_updated`)."""
        with self.state.lock:
            issue = self.state.get(key)
            comment = self.state.comments.get(issue, comment_id)
            self.state.comments.edit(self._actor(actor), issue, comment, text)

    def delete_comment(self, key: str, comment_id: str) -> None:
        """Delete a comment as a person would (webhook `comment_deleted`)."""
        with self.state.lock:
            issue = self.state.get(key)
            self.state.comments.delete(issue, self.state.comments.get(issue, comment_id))

    def comments(self, key: str) -> list[dict[str, Any]]:
        """An issue's comments as v2 JSON (bodies as text), oldest first."""
        with self.state.lock:
            issue = self.state.get(key)
            render = self.state.renderer(api_version=2)
            return [render_comment(render, issue, c) for c in self.state.comments.of(issue)]

    # -- webhooks, seeding -----------------------------------------------------------------
    def register_webhook(self, url: str, secret: str | None, events: list[str] | None = None,
                         *, name: str = "sandbox webhook", jql: str | None = None) -> str:
        """Register an admin webhook (every issue event unless `events` says which); its id."""
        hook = self.state.webhooks.register(name, url, events, secret, jql,
                                            self.account.account_id, self.state.now())
        return str(hook.id)

    async def drain_webhooks(self, timeout: float) -> None:  # noqa: ASYNC109 - public API
        """Wait until every queued delivery was sent or given up on; TimeoutError after
        `timeout` seconds (e.g. while paused, or the server is not running)."""
        await self.state.webhooks.drain(timeout)

    def seed(self, projects: int = 3, issues_per_project: int = 20, users: int = 10, *,
             seed: int | None = None) -> None:
        """Add realistic projects, people and issues (a bulk import: no webhooks)."""
        seed_site(self.state, projects=projects, issues_per_project=issues_per_project,
                  users=users, seed=self._seed if seed is None else seed)

    # -- helpers ---------------------------------------------------------------------------
    def _actor(self, email: str | None) -> User:
        if email is None:
            return self.person
        found = self.state.user_by_email(email)
        if found is None:
            raise ValueError(f"no sandbox user has the e-mail {email}")
        return found

    def _friendly(self, fields: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in fields.items():
            name = ALIASES.get(name, name)
            if name == "description" and isinstance(value, str):
                value = text_to_adf(value)
            elif name in ("assignee", "reporter") and isinstance(value, str):
                user = self.state.user(value) or self.state.user_by_email(value)
                if user is None:
                    raise ValueError(f"no sandbox user {value!r}")
                value = {"accountId": user.account_id}
            elif name in ("priority", "issuetype") and isinstance(value, str):
                value = {"name": value}
            elif name == BUDGET_STATUS and isinstance(value, str):
                value = {"value": value}
            elif name == "parent" and isinstance(value, str):
                value = {"key": value}
            elif name == "duedate" and isinstance(value, date):
                value = value.isoformat()
            out[name] = value
        return out


def create_app(sandbox: JiraSandbox) -> FastAPI:
    """The FastAPI app serving `sandbox`; its lifespan runs the webhook sender."""
    app = sandbox_app("Jira Cloud sandbox", sandbox.state.webhooks, sandbox.faults)
    app.state.sandbox = sandbox
    install_error_handlers(app)
    app.add_middleware(SlowAnswers, faults=sandbox.faults, prefix="/rest/", rate_headers=True)
    for version in (3, 2):
        app.include_router(issue_routes(sandbox, version))
        app.include_router(comment_routes(sandbox, version))
        app.include_router(site_routes(sandbox, version))
    app.include_router(webhook_routes(sandbox))
    app.include_router(admin_routes(sandbox))
    return app
