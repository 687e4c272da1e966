"""Read endpoints of the sandbox: users, workspaces, projects, sections, task listings and
tasks, with Asana's `{"data": ...}` envelopes, `opt_fields` and offset pagination."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.asana.sandbox.errors import bad_request
from connectors.asana.sandbox.http import API, Caller, limit_param, opt_fields, time_param
from connectors.asana.sandbox.render import (
    PROJECT_FIELDS,
    USER_FIELDS,
    fields_tree,
    next_page,
    paginate,
    shape,
)

if TYPE_CHECKING:
    from connectors.asana.sandbox import AsanaSandbox
    from connectors.asana.sandbox.state import AsanaState

T = TypeVar("T")
COMPACT = ["gid", "resource_type", "name"]


def listing(request: Request, state: AsanaState, items: Sequence[T],
            record: Callable[[T], dict[str, Any]], gid_of: Callable[[T], str],
            compact: Sequence[str] = COMPACT) -> Response:
    """A list endpoint's answer: compact records (or `opt_fields`), one page, `next_page`."""
    limit = limit_param(request)
    page, offset = paginate(items, limit, request.query_params.get("offset"), gid_of)
    tree = fields_tree(opt_fields(request))
    body: dict[str, Any] = {"data": [shape(record(i), tree, compact) for i in page]}
    if limit is not None:
        path = request.url.path.removeprefix(API)
        body["next_page"] = next_page(state.base_url, path, dict(request.query_params),
                                      offset, limit)
    return JSONResponse(body)


def read_routes(sandbox: AsanaSandbox) -> APIRouter:
    """GET endpoints under /api/1.0."""
    router = APIRouter(prefix=API)
    state = sandbox.state
    render = sandbox.renderer

    def one(record: dict[str, Any], request: Request, default: Sequence[str]) -> Response:
        return JSONResponse({"data": shape(record, fields_tree(opt_fields(request)), default)})

    def workspace_param(request: Request) -> None:
        gid = request.query_params.get("workspace")
        if not gid:
            raise bad_request("workspace: Missing input")
        if gid != state.workspace_gid:
            raise bad_request(f"workspace: Not a recognized ID: {gid}")

    @router.get("/users/me")
    async def me(caller: Caller, request: Request) -> Response:
        return one(render().user(caller), request, USER_FIELDS)

    @router.get("/users/{gid}")
    async def user(gid: str, caller: Caller, request: Request) -> Response:
        return one(render().user(state.user(gid, caller)), request, USER_FIELDS)

    @router.get("/users")
    async def users(caller: Caller, request: Request) -> Response:
        workspace_param(request)
        with state.lock:
            people = list(state.users.values())
        return listing(request, state, people, render().user, lambda u: u.gid)

    @router.get("/workspaces")
    async def workspaces(caller: Caller, request: Request) -> Response:
        return listing(request, state, [state.workspace()],
                       lambda w: {**w, "email_domains": ["example.com"],
                                  "is_organization": True}, lambda w: str(w["gid"]))

    @router.get("/projects")
    async def projects(caller: Caller, request: Request) -> Response:
        workspace_param(request)
        with state.lock:
            found = list(state.projects.values())
        archived = request.query_params.get("archived")
        if archived is not None:
            found = [p for p in found if p.archived == (archived == "true")]
        return listing(request, state, found, render().project, lambda p: p.gid)

    @router.get("/projects/{gid}")
    async def project(gid: str, caller: Caller, request: Request) -> Response:
        return one(render().project(state.project(gid)), request, PROJECT_FIELDS)

    @router.get("/projects/{gid}/sections")
    async def sections(gid: str, caller: Caller, request: Request) -> Response:
        found = state.project(gid)
        return listing(request, state, list(found.sections),
                       lambda s: {**s.compact(), "project": found.compact(),
                                  "created_at": None}, lambda s: s.gid)

    @router.get("/projects/{gid}/tasks")
    async def project_tasks(gid: str, caller: Caller, request: Request) -> Response:
        # asana.yaml declares no `modified_since` here (only on GET /tasks): Asana ignores it.
        return tasks_of(gid, request, modified_since=False)

    @router.get("/tasks")
    async def tasks(caller: Caller, request: Request) -> Response:
        gid = request.query_params.get("project") or request.query_params.get("section")
        if not gid:
            raise bad_request("Must specify exactly one of project, tag, section, "
                              "user task list, or assignee + workspace")
        return tasks_of(gid, request)

    def tasks_of(gid: str, request: Request, modified_since: bool = True) -> Response:
        section = None
        if request.query_params.get("section"):
            section = state.section(gid)
            found = section.project
        else:
            found = state.project(gid)
        with state.lock:
            items = state.project_tasks(
                found, time_param(request, "modified_since") if modified_since else None,
                time_param(request, "completed_since"))
            if section is not None:
                items = [t for t in items if t.memberships.get(found.gid) is section]
            tree = fields_tree(opt_fields(request))
            cheap = tree is None or set(tree) <= {"gid", "name", "resource_type"}
            limit = limit_param(request)
            page, offset = paginate(items, limit, request.query_params.get("offset"),
                                    lambda t: t.gid)
            renderer = render()
            data = [shape({"gid": t.gid, "resource_type": "task", "name": t.name,
                           "resource_subtype": "default_task"} if cheap
                          else renderer.task(t), tree, COMPACT) for t in page]
        body: dict[str, Any] = {"data": data}
        if limit is not None:
            body["next_page"] = next_page(state.base_url, request.url.path.removeprefix(API),
                                          dict(request.query_params), offset, limit)
        return JSONResponse(body)

    @router.get("/tasks/{ref}")
    async def task(ref: str, caller: Caller, request: Request) -> Response:
        with state.lock:
            found = state.task(ref)
            return JSONResponse({"data": render().full_task(found,
                                                            fields_tree(opt_fields(request)))})

    @router.get("/tasks/{ref}/subtasks")
    async def subtasks(ref: str, caller: Caller, request: Request) -> Response:
        with state.lock:
            children = state.subtasks(state.task(ref))
        return listing(request, state, children, render().task, lambda t: t.gid)

    return router
