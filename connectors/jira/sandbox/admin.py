"""Test knobs over HTTP under `/_sandbox` (no auth): faults, seeding, workflows, webhook
delivery, people's actions, call counts. The same knobs as `JiraSandbox` has in Python."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.jira.sandbox.errors import JiraApiError
from connectors.jira.sandbox.http import json_body
from connectors.jira.sandbox.workflow import Workflow
from hub.testing.outbox_routes import outbox_routes

if TYPE_CHECKING:
    from connectors.jira.sandbox import JiraSandbox


def admin_routes(sandbox: JiraSandbox) -> APIRouter:
    """The `/_sandbox` knobs."""
    router = APIRouter(prefix="/_sandbox")
    state = sandbox.state
    router.include_router(outbox_routes(state.webhooks, sandbox.calls))

    @router.post("/seed")
    async def seed(request: Request) -> Response:
        """Body: projects, issues_per_project, users, seed (all optional)."""
        body = await json_body(request)
        sandbox.seed(projects=int(body.get("projects", 3)),
                     issues_per_project=int(body.get("issues_per_project", 20)),
                     users=int(body.get("users", 10)),
                     seed=int(body["seed"]) if "seed" in body else None)
        return JSONResponse({"projects": len(state.projects), "issues": len(state.issues),
                             "users": len(state.users)})

    @router.get("/projects/{key}/workflow")
    async def get_workflow(key: str) -> Response:
        project = state.project_of(key)
        if project is None:
            raise JiraApiError(404, [f"No project could be found with key '{key}'."])
        return JSONResponse(project.workflow.to_dict())

    @router.put("/projects/{key}/workflow")
    async def put_workflow(key: str, request: Request) -> Response:
        """Body: a workflow (`Workflow.from_dict`), optional `status_map` {old: new}."""
        body = await json_body(request)
        try:
            workflow = Workflow.from_dict(body)
            sandbox.set_workflow(key, workflow, body.get("status_map"))
        except (KeyError, TypeError, ValueError) as exc:
            raise JiraApiError(400, [f"bad workflow: {exc}"]) from None
        return JSONResponse(workflow.to_dict())




    @router.post("/issues", status_code=201)
    async def person_creates(request: Request) -> Response:
        """Body: project, summary, other fields in the friendly form, actor (an e-mail)."""
        body = await json_body(request)
        project, summary = body.pop("project", None), body.pop("summary", None)
        if not project or not summary:
            raise JiraApiError(400, errors={"project": "project and summary are required"})
        return JSONResponse(sandbox.create_issue(str(project), str(summary), **body), 201)

    @router.patch("/issues/{key}")
    async def person_edits(key: str, request: Request) -> Response:
        return JSONResponse(sandbox.edit_issue(key, **await json_body(request)))

    @router.post("/issues/{key}/transition")
    async def person_transitions(key: str, request: Request) -> Response:
        """Body: {"to": "<status>", "actor"?: e-mail}."""
        body = await json_body(request)
        return JSONResponse(sandbox.transition(key, str(body.get("to")),
                                               actor=body.get("actor")))

    @router.delete("/issues/{key}")
    async def person_deletes(key: str) -> Response:
        sandbox.delete_issue(key)
        return Response(status_code=204)

    @router.post("/users", status_code=201)
    async def add_user(request: Request) -> Response:
        """Body: email, display_name, active; with `token`, an API account."""
        body = await json_body(request)
        if body.get("token"):
            return JSONResponse(sandbox.add_account(body["email"], body["token"],
                                                    body.get("display_name")), 201)
        return JSONResponse(sandbox.add_user(body["email"], body.get("display_name")
                                             or body["email"], bool(body.get("active", True))),
                            201)

    return router

