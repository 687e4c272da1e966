"""The sandbox's comments (stories of subtype `comment_added`) and attachments on tasks:
`/tasks/{gid}/stories`, `/stories/{gid}`, `/attachments`. A story is an event in the task's
projects (`resource_type: story`, its task as `parent`), sent to webhooks like a task's; as in
Asana, a comment leaves the task's `modified_at` alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.asana.sandbox.errors import AsanaApiError, bad_request, unknown_object
from connectors.asana.sandbox.http import API, Caller, json_data, opt_fields
from connectors.asana.sandbox.model import Task, User, iso
from connectors.asana.sandbox.read_routes import listing
from connectors.asana.sandbox.render import fields_tree, shape

if TYPE_CHECKING:
    from connectors.asana.sandbox import AsanaSandbox
    from connectors.asana.sandbox.state import AsanaState

STORY_COMPACT = ("gid", "resource_type", "created_at", "created_by", "resource_subtype", "text",
                 "type")
ATTACHMENT_COMPACT = ("gid", "resource_type", "name", "resource_subtype")


@dataclass(eq=False)
class Story:
    """A comment on a task."""

    gid: str
    task: str
    author: User
    text: str
    created: int
    edited: bool = False

    def record(self) -> dict[str, Any]:
        """The story as Asana renders it (every field; `shape` picks what was asked)."""
        author = {**self.author.compact(), "email": self.author.email}
        return {"gid": self.gid, "resource_type": "story", "created_at": iso(self.created),
                "created_by": author, "resource_subtype": "comment_added", "type": "comment",
                "text": self.text, "html_text": f"<body>{_escape(self.text)}</body>",
                "is_edited": self.edited, "is_editable": True, "is_pinned": False,
                "target": {"gid": self.task, "resource_type": "task"}}


@dataclass(eq=False)
class TaskAttachment:
    """A file attached to a task (its bytes stay at `host`)."""

    gid: str
    task: str
    name: str
    size: int
    created: int
    url: str

    def record(self) -> dict[str, Any]:
        return {"gid": self.gid, "resource_type": "attachment", "name": self.name,
                "resource_subtype": "asana", "created_at": iso(self.created),
                "download_url": self.url, "permanent_url": self.url, "view_url": self.url,
                "host": "asana", "size": self.size,
                "parent": {"gid": self.task, "resource_type": "task"}}


class Stories:
    """Every comment and attachment of the workspace."""

    def __init__(self, state: AsanaState) -> None:
        self.state = state
        self.by_gid: dict[str, Story] = {}
        self.files: dict[str, TaskAttachment] = {}

    def of(self, task: Task) -> list[Story]:
        return sorted((s for s in self.by_gid.values() if s.task == task.gid),
                      key=lambda s: (s.created, int(s.gid)))

    def get(self, gid: str) -> Story:
        found = self.by_gid.get(gid)
        if found is None:
            raise unknown_object(gid, "story")
        return found

    def add(self, actor: User, task: Task, text: Any) -> Story:
        with self.state.lock:
            story = Story(self.state.gid(), task.gid, actor, _text(text), self.state.now())
            self.by_gid[story.gid] = story
            self._emit(actor, task, story, "added")
            return story

    def edit(self, actor: User, story: Story, text: Any) -> Story:
        with self.state.lock:
            if story.author is not actor:
                raise AsanaApiError(403, "You do not have permission to edit this story")
            story.text, story.edited = _text(text), True
            self._emit(actor, self.state.task(story.task), story, "changed")
            return story

    def delete(self, actor: User, story: Story) -> None:
        with self.state.lock:
            del self.by_gid[story.gid]
            if story.task in self.state.tasks:
                self._emit(actor, self.state.task(story.task), story, "deleted")

    def attach(self, task: Task, name: str, size: int) -> TaskAttachment:
        with self.state.lock:
            gid = self.state.gid()
            url = f"{self.state.base_url}/app/asana/-/get_asset?asset_id={gid}"
            found = TaskAttachment(gid, task.gid, name, size, self.state.now(), url)
            self.files[gid] = found
            return found

    def _emit(self, actor: User, task: Task, story: Story, action: str) -> None:
        event = {"user": {"gid": actor.gid, "resource_type": "user"},
                 "created_at": iso(self.state.now()), "type": "story", "action": action,
                 "resource": {"gid": story.gid, "resource_type": "story",
                              "resource_subtype": "comment_added"},
                 "parent": {"gid": task.gid, "resource_type": "task",
                            "resource_subtype": "default_task"}}
        for project_gid in task.memberships:
            self.state.webhooks.publish(project_gid, [event])
        self.state.version += 1


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request("text: Missing input")
    return value


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def story_routes(sandbox: AsanaSandbox) -> APIRouter:
    """Comment and attachment endpoints under /api/1.0."""
    router = APIRouter(prefix=API)
    state = sandbox.state

    def one(record: dict[str, Any], request: Request, default: tuple[str, ...],
            status: int = 200) -> Response:
        return JSONResponse({"data": shape(record, fields_tree(opt_fields(request)), default)},
                            status)

    @router.get("/tasks/{ref}/stories")
    async def list_stories(ref: str, request: Request, caller: Caller) -> Response:
        with state.lock:
            task = state.task(ref)
            return listing(request, state, state.stories.of(task), Story.record,
                           lambda s: s.gid, STORY_COMPACT)

    @router.post("/tasks/{ref}/stories")
    async def add_story(ref: str, request: Request, caller: Caller) -> Response:
        data = await json_data(request)
        if "html_text" in data and "text" not in data:
            data["text"] = str(data["html_text"]).removeprefix("<body>").removesuffix("</body>")
        with state.lock:
            story = state.stories.add(caller, state.task(ref), data.get("text"))
            return one(story.record(), request, STORY_COMPACT, 201)

    @router.get("/stories/{gid}")
    async def get_story(gid: str, request: Request, caller: Caller) -> Response:
        with state.lock:
            return one(state.stories.get(gid).record(), request, STORY_COMPACT)

    @router.put("/stories/{gid}")
    async def edit_story(gid: str, request: Request, caller: Caller) -> Response:
        data = await json_data(request)
        with state.lock:
            story = state.stories.edit(caller, state.stories.get(gid), data.get("text"))
            return one(story.record(), request, STORY_COMPACT)

    @router.delete("/stories/{gid}")
    async def delete_story(gid: str, caller: Caller) -> Response:
        with state.lock:
            state.stories.delete(caller, state.stories.get(gid))
        return JSONResponse({"data": {}})

    @router.get("/attachments")
    async def list_attachments(request: Request, caller: Caller) -> Response:
        parent = request.query_params.get("parent")
        if not parent:
            raise bad_request("parent: Missing input")
        with state.lock:
            task = state.task(parent)
            files = sorted((a for a in state.stories.files.values() if a.task == task.gid),
                           key=lambda a: a.created)
            return listing(request, state, files, TaskAttachment.record, lambda a: a.gid,
                           ATTACHMENT_COMPACT)

    return router
