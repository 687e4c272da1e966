"""A faithful, stateful Asana sandbox: the REST API subset the hub uses (`/api/1.0`) over real
HTTP, with personal access tokens, `opt_fields`, offset pagination, sections and custom fields,
`/events` sync tokens, webhooks with the `X-Hook-Secret` handshake and signed deliveries, and
fault knobs.

    sandbox = AsanaSandbox()
    sandbox.seed(projects=2, tasks_per_project=50)
    with serve(sandbox.app) as server:        # hub.testing.server
        ...  # the connector talks to f"{server.url}/api/1.0" with `Bearer asana-pat`
        sandbox.move_to_section(gid, "Done")   # a person in Asana; events and webhooks fire

Python methods act as a person in Asana would; the hub's writes over the API behave the same.
Knobs are also served under `/_sandbox` (see `admin`).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from fastapi import FastAPI
from pydantic import Field

from connectors.asana.sandbox.admin import admin_routes
from connectors.asana.sandbox.catalog import ALIASES
from connectors.asana.sandbox.faults import Faults
from connectors.asana.sandbox.http import API, install_error_handlers
from connectors.asana.sandbox.model import User
from connectors.asana.sandbox.read_routes import read_routes
from connectors.asana.sandbox.render import Renderer
from connectors.asana.sandbox.seed import seed as seed_workspace
from connectors.asana.sandbox.state import AsanaState
from connectors.asana.sandbox.stories import story_routes
from connectors.asana.sandbox.webhooks import WebhookDispatcher
from connectors.asana.sandbox.write_routes import write_routes
from hub.testing.kit import SlowAnswers
from hub.testing.sandbox_app import sandbox_app
from hub.testing.served import SandboxOptions

__all__ = ["AsanaSandbox", "Faults", "create_app"]


class AsanaOptions(SandboxOptions):
    """`hub sandbox asana` options."""

    seed_tasks: int = Field(default=0, description="tasks to seed, over 3 projects")
    token: str = Field(default="asana-pat", description="the personal access token")


class AsanaSandbox:
    """The workspace's state and the FastAPI app serving it; safe to use from test code while
    one uvicorn thread serves the app."""

    title: ClassVar[str] = "Asana"
    summary: ClassVar[str] = ("An Asana sandbox: /api/1.0 tasks, sections, custom fields, "
                              "events, webhooks, knobs.")
    default_port: ClassVar[int] = 8082
    options: ClassVar[type[SandboxOptions]] = AsanaOptions

    def __init__(self, *, token: str = "asana-pat", seed: int = 0,  # noqa: S107
                 clock: Callable[[], float] = time.time) -> None:
        self.state = AsanaState(clock)
        self.token = token
        #: the account the PAT belongs to (the hub's integration user)
        self.account = self.state.add_user("hub@example.com", "Integration Hub", token)
        #: who acts in the Python methods unless told otherwise
        self.person = self.state.add_user("alex.person@example.com", "Alex Person")
        self.faults = Faults(seed=seed)
        self.calls: Counter[str] = Counter()
        self._seed = seed
        self.app = create_app(self)

    @classmethod
    def from_options(cls, options: AsanaOptions) -> AsanaSandbox:
        """A sandbox as `hub sandbox asana` starts it: seeded, or with one empty project."""
        sandbox = cls(token=options.token, seed=options.seed)
        if options.seed_tasks > 0:
            projects = 3 if options.seed_tasks >= 3 else 1
            sandbox.seed(projects=projects, users=10,
                         tasks_per_project=math.ceil(options.seed_tasks / projects))
        else:
            sandbox.add_project("Spring Campaign")
        return sandbox

    def welcome(self) -> list[str]:
        """How to sign in, and what is there."""
        projects = ", ".join(f"{p.name} ({p.gid})" for p in self.state.projects.values())
        return [f"API base: /api/1.0, Authorization: Bearer {self.token}",
                f"workspace: {self.state.workspace_gid}",
                f"projects: {projects} ({len(self.state.tasks)} tasks)",
                "knobs: /_sandbox/faults, /_sandbox/seed, /_sandbox/webhooks, "
                "/_sandbox/events/expire"]

    @property
    def webhooks(self) -> WebhookDispatcher:
        """Confirmed webhooks and their delivery queue: `pause()`, `resume()`, `pending()`,
        `headers(hook, delivery)`, and the retry policy (`max_attempts`, `retry_delay`)."""
        return self.state.webhooks

    def renderer(self) -> Renderer:
        """Renders the sandbox's resources as the API does."""
        return Renderer(self.state)

    # -- the workspace's directory ---------------------------------------------------------
    def add_user(self, email: str, name: str) -> dict[str, Any]:
        """Add a person to the workspace; their full user record."""
        return self.renderer().user(self.state.add_user(email, name))

    def add_project(self, name: str, sections: list[str] | None = None) -> dict[str, Any]:
        """Add a project with sections (To do, Doing, Waiting, Done unless given) and the
        Status, Jira key and Budget status custom fields; its full record."""
        return self.renderer().project(self.state.add_project(name, sections))

    # -- what a person does ----------------------------------------------------------------
    def create_task(self, project_gid: str, name: str, *, actor: str | None = None,
                    **fields: Any) -> dict[str, Any]:
        """Create a task as a person would (events and webhooks fire). Friendly fields:
        notes, due_on (date or text), completed, assignee (e-mail or gid), section (name),
        status / budget_status (option name), jira_key, custom_fields {name or gid: value},
        external {gid, data}, parent (gid)."""
        with self.state.lock:
            project = self.state.project(project_gid)
            section_name = fields.pop("section", None)
            section = project.section(section_name) if section_name else project.sections[0]
            if section is None:
                raise ValueError(f"{project.name} has no section {section_name!r}")
            data = self._friendly(fields, list(project.fields))
            data.update(name=name, memberships=[{"project": project.gid,
                                                 "section": section.gid}])
            task = self.state.create_task(self._actor(actor), data)
            return self.task(task.gid)

    def update_task(self, gid: str, *, actor: str | None = None,
                    **fields: Any) -> dict[str, Any]:
        """Change fields as a person would (events and webhooks fire); same forms as
        `create_task`, plus `section` (a move)."""
        with self.state.lock:
            task = self.state.task(gid)
            section = fields.pop("section", None)
            data = self._friendly(fields, self.state.fields_of(task))
            if data:
                self.state.update_task(self._actor(actor), task, data)
            if section is not None:
                self.move_to_section(task.gid, section, actor=actor)
            return self.task(task.gid)

    def move_to_section(self, task_gid: str, section_name: str, *,
                        actor: str | None = None) -> dict[str, Any]:
        """Drag a task to another section of its (first) project; events fire."""
        with self.state.lock:
            task = self.state.task(task_gid)
            if not task.memberships:
                raise ValueError(f"task {task_gid} is in no project")
            project = self.state.projects[next(iter(task.memberships))]
            section = project.section(section_name)
            if section is None:
                raise ValueError(f"{project.name} has no section {section_name!r}")
            self.state.add_to_section(self._actor(actor), task, section)
            return self.task(task.gid)

    def delete_task(self, gid: str, *, actor: str | None = None) -> None:
        """Delete a task as a person would (a `deleted` event)."""
        self.state.delete_task(self._actor(actor), self.state.task(gid))

    def task(self, gid: str) -> dict[str, Any]:
        """A task's full record (as GET /tasks/{gid} answers, with `external` when set and
        the assignee's e-mail); `gid` may be `external:<id>`."""
        with self.state.lock:
            task = self.state.task(gid)
            record = self.renderer().full_task(task, None)
            record["assignee"] = self.renderer().task(task)["assignee"]
            return record

    # -- events, webhooks, seeding ---------------------------------------------------------
    def expire_sync_tokens(self) -> None:
        """Make every `/events` sync token invalid (the next call answers 412)."""
        self.state.expire_sync_tokens()

    async def drain_webhooks(self, timeout: float) -> None:  # noqa: ASYNC109 - public API
        """Wait until every queued delivery was sent or given up on; TimeoutError after
        `timeout` seconds (e.g. while paused, or the server is not running)."""
        await self.state.webhooks.drain(timeout)

    def seed(self, projects: int = 3, tasks_per_project: int = 20, users: int = 10, *,
             seed: int | None = None) -> None:
        """Add realistic marketing projects, people and tasks (a bulk import: no events)."""
        seed_workspace(self.state, projects=projects, tasks_per_project=tasks_per_project,
                       users=users, seed=self._seed if seed is None else seed)

    # -- helpers ---------------------------------------------------------------------------
    def add_comment(self, task_gid: str, text: str, *, actor: str | None = None) -> str:
        """Comment on a task as a person would (webhook: a story added); the story's gid."""
        with self.state.lock:
            return self.state.stories.add(self._actor(actor), self.state.task(task_gid),
                                          text).gid

    def edit_comment(self, story_gid: str, text: str) -> None:
        """Change a comment's text as its author would."""
        with self.state.lock:
            story = self.state.stories.get(story_gid)
            self.state.stories.edit(story.author, story, text)

    def delete_comment(self, story_gid: str) -> None:
        """Delete a comment as its author would."""
        with self.state.lock:
            story = self.state.stories.get(story_gid)
            self.state.stories.delete(story.author, story)

    def comments(self, task_gid: str) -> list[dict[str, Any]]:
        """A task's comments (full story records), oldest first."""
        with self.state.lock:
            return [s.record() for s in self.state.stories.of(self.state.task(task_gid))]

    def attach(self, task_gid: str, name: str, size: int) -> str:
        """Attach a file to a task (its bytes stay in Asana); the attachment's gid."""
        with self.state.lock:
            return self.state.stories.attach(self.state.task(task_gid), name, size).gid

    def _actor(self, email: str | None) -> User:
        if email is None:
            return self.person
        found = self.state.user_by_email(email)
        if found is None:
            raise ValueError(f"no sandbox user has the e-mail {email}")
        return found

    def _friendly(self, fields: dict[str, Any], known: list[Any]) -> dict[str, Any]:
        by_name = {f.name: f for f in known} | {f.gid: f for f in known}
        custom: dict[str, Any] = {}
        for name, value in dict(fields.pop("custom_fields", None) or {}).items():
            custom[name] = value
        for alias, field_name in ALIASES.items():
            if alias in fields:
                custom[field_name] = fields.pop(alias)
        data = dict(fields)
        if custom:
            data["custom_fields"] = {}
            for name, value in custom.items():
                field = by_name.get(name)
                if field is None:
                    raise ValueError(f"no custom field {name!r} on this task's projects")
                if field.type == "enum" and value is not None:
                    option = field.option(str(value))
                    if option is None:
                        raise ValueError(f"{field.name} has no option {value!r}")
                    value = option.gid
                data["custom_fields"][field.gid] = value
        return data


def create_app(sandbox: AsanaSandbox) -> FastAPI:
    """The FastAPI app serving `sandbox`; its lifespan runs the webhook sender."""
    app = sandbox_app("Asana sandbox", sandbox.state.webhooks, sandbox.faults)
    app.state.sandbox = sandbox
    install_error_handlers(app)
    app.add_middleware(SlowAnswers, faults=sandbox.faults, prefix=API)
    app.include_router(read_routes(sandbox))
    app.include_router(write_routes(sandbox))
    app.include_router(story_routes(sandbox))
    app.include_router(admin_routes(sandbox))
    return app
