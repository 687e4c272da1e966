"""Write endpoints of the sandbox (tasks, section moves, dependencies), the `/events` feed
with sync tokens, and webhooks with the `X-Hook-Secret` handshake."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.asana.sandbox.errors import bad_request, unknown_object
from connectors.asana.sandbox.http import API, Caller, json_data, opt_fields
from connectors.asana.sandbox.model import iso
from connectors.asana.sandbox.read_routes import listing
from connectors.asana.sandbox.render import fields_tree
from connectors.asana.sandbox.webhooks import HandshakeFailed, Webhook, handshake

if TYPE_CHECKING:
    from connectors.asana.sandbox import AsanaSandbox


def write_routes(sandbox: AsanaSandbox) -> APIRouter:
    """POST/PUT/DELETE endpoints and `/events` under /api/1.0."""
    router = APIRouter(prefix=API)
    state = sandbox.state

    def task_answer(gid: str, request: Request, status: int = 200) -> Response:
        with state.lock:
            task = state.task(gid)
            record = sandbox.renderer().full_task(task, fields_tree(opt_fields(request)))
        return JSONResponse({"data": record}, status)

    @router.post("/tasks")
    async def create(caller: Caller, request: Request) -> Response:
        task = state.create_task(caller, await json_data(request))
        return task_answer(task.gid, request, 201)

    @router.put("/tasks/{ref}")
    async def update(ref: str, caller: Caller, request: Request) -> Response:
        data = await json_data(request)
        with state.lock:
            task = state.update_task(caller, state.task(ref), data)
        return task_answer(task.gid, request)

    @router.delete("/tasks/{ref}")
    async def delete(ref: str, caller: Caller) -> Response:
        state.delete_task(caller, state.task(ref))
        return JSONResponse({"data": {}})

    @router.post("/sections/{gid}/addTask")
    async def add_task(gid: str, caller: Caller, request: Request) -> Response:
        data = await json_data(request)
        if not data.get("task"):
            raise bad_request("task: Missing input")
        with state.lock:
            state.add_to_section(caller, state.task(str(data["task"])), state.section(gid))
        return JSONResponse({"data": {}})

    @router.post("/tasks/{ref}/addProject")
    async def add_project(ref: str, caller: Caller, request: Request) -> Response:
        data = await json_data(request)
        if not data.get("project"):
            raise bad_request("project: Missing input")
        with state.lock:
            project = state.project(str(data["project"]))
            section = project.section(str(data["section"])) if data.get("section") \
                else project.sections[0]
            if section is None:
                raise unknown_object(str(data["section"]), "section")
            state.add_to_section(caller, state.task(ref), section)
        return JSONResponse({"data": {}})

    @router.post("/tasks/{ref}/addDependencies")
    async def add_dependencies(ref: str, caller: Caller, request: Request) -> Response:
        data = await json_data(request)
        gids = data.get("dependencies")
        if not isinstance(gids, list) or not gids:
            raise bad_request("dependencies: Missing input")
        state.add_dependencies(caller, state.task(ref), [str(g) for g in gids])
        return JSONResponse({"data": {}})

    @router.get("/tasks/{ref}/dependencies")
    async def dependencies(ref: str, caller: Caller, request: Request) -> Response:
        with state.lock:
            found = [state.task(g) for g in state.task(ref).dependencies if g in state.tasks]
        return listing(request, state, found, sandbox.renderer().task, lambda t: t.gid)

    @router.get("/events")
    async def events(caller: Caller, request: Request) -> Response:
        resource = request.query_params.get("resource")
        if not resource:
            raise bad_request("resource: Missing input")
        return JSONResponse(state.events(resource, request.query_params.get("sync")))

    @router.post("/webhooks", status_code=201)
    async def create_webhook(caller: Caller, request: Request) -> Response:
        data = await json_data(request)
        resource, target = data.get("resource"), data.get("target")
        if not resource:
            raise bad_request("resource: Missing input")
        if not target:
            raise bad_request("target: Missing input")
        project = state.project(str(resource))
        filters = data.get("filters") or []
        if not isinstance(filters, list):
            raise bad_request("filters: Not an array")
        hooks = state.webhooks
        try:
            # the handshake happens while this request is in flight, as in Asana
            secret = await handshake(str(target), hooks.timeout, hooks.verify_tls)
        except HandshakeFailed as exc:
            raise bad_request(f"The remote server did not respond with the handshake secret "
                              f"({exc}).") from None
        hook = hooks.add(Webhook(state.gid(), project.compact(), str(target), secret,
                                 list(filters), created_at=iso(state.now())))
        return JSONResponse({"data": hook.record(), "X-Hook-Secret": secret}, 201)

    @router.get("/webhooks")
    async def list_webhooks(caller: Caller, request: Request) -> Response:
        if not request.query_params.get("workspace"):
            raise bad_request("workspace: Missing input")
        resource = request.query_params.get("resource")
        found = [h for h in state.webhooks.hooks()
                 if resource is None or h.resource["gid"] == resource]
        return listing(request, state, found, Webhook.record, lambda h: h.gid,
                       ["gid", "resource_type", "resource", "target", "active"])

    @router.get("/webhooks/{gid}")
    async def get_webhook(gid: str, caller: Caller) -> Response:
        return JSONResponse({"data": _hook(sandbox, gid).record()})

    @router.delete("/webhooks/{gid}")
    async def delete_webhook(gid: str, caller: Caller) -> Response:
        state.webhooks.remove(_hook(sandbox, gid).gid)
        return JSONResponse({"data": {}})

    return router


def _hook(sandbox: AsanaSandbox, gid: str) -> Webhook:
    hook = sandbox.state.webhooks.get(gid)
    if hook is None:
        raise unknown_object(gid, "webhook")
    return hook


