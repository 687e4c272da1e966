"""The sandbox's issue endpoints under `/rest/api/{2,3}`: read, edit, create, delete,
transitions, properties, changelog and edit metadata."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.jira.sandbox.catalog import (
    BUDGET_OPTIONS,
    BUDGET_STATUS,
    EDITABLE,
    FIELDS,
    PRIORITIES,
)
from connectors.jira.sandbox.errors import JiraApiError, not_found
from connectors.jira.sandbox.http import BAD_PAYLOAD, Caller, int_param, json_body, list_param
from connectors.jira.sandbox.model import Issue, User
from connectors.jira.sandbox.render import Renderer, select_fields

if TYPE_CHECKING:
    from connectors.jira.sandbox import JiraSandbox

EDIT_KEYS = {"fields", "update", "historyMetadata", "properties", "transition"}


def issue_routes(sandbox: JiraSandbox, version: int) -> APIRouter:
    """Issue endpoints for API `version` (2: plain-text descriptions, 3: ADF)."""
    router = APIRouter(prefix=f"/rest/api/{version}")
    state = sandbox.state

    def renderer(user: User) -> Renderer:
        return state.renderer(version, user.zone)

    @router.get("/issue/{issueIdOrKey}")
    async def get_issue(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        with state.lock:
            issue = state.get(issueIdOrKey)
            fields = select_fields(list_param(request, "fields"), "*all") or []
            expand = list_param(request, "expand") or []
            return JSONResponse(renderer(user).issue(
                issue, fields, expand=expand, properties=_properties(request, issue)))

    @router.put("/issue/{issueIdOrKey}")
    async def edit_issue(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        body = await json_body(request)
        fields, update = _edit_parts(body)
        with state.lock:
            issue = state.get(issueIdOrKey)
            state.edit(user, issue, fields, update, version)
            for item in body.get("properties") or []:
                state.set_property(issue, str(item.get("key")), item.get("value"))
            if request.query_params.get("returnIssue") == "true":
                return JSONResponse(renderer(user).issue(issue, select_fields(None, "*all")
                                                         or []))
        return Response(status_code=204)

    @router.post("/issue", status_code=201)
    async def create_issue(request: Request, user: Caller) -> Response:
        body = await json_body(request)
        fields, update = _edit_parts(body)
        properties = body.get("properties") or []
        if not isinstance(properties, list):
            raise JiraApiError(400, [BAD_PAYLOAD])
        with state.lock:
            issue = state.create(user, fields, update, properties, version)
            api = renderer(user).api
            return JSONResponse({"id": str(issue.id), "key": issue.key,
                                 "self": f"{api}/issue/{issue.id}"}, 201)

    @router.delete("/issue/{issueIdOrKey}")
    async def delete_issue(issueIdOrKey: str, user: Caller) -> Response:
        with state.lock:
            state.delete(user, state.get(issueIdOrKey))
        return Response(status_code=204)

    @router.get("/issue/{issueIdOrKey}/transitions")
    async def get_transitions(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        with state.lock:
            issue = state.get(issueIdOrKey)
            with_fields = "transitions.fields" in (list_param(request, "expand") or [])
            only = request.query_params.get("transitionId")
            render = renderer(user)
            listed = [render.transition(issue, t, with_fields)
                      for t in state.transitions(issue) if only in (None, t.id)]
            return JSONResponse({"expand": "transitions", "transitions": listed})

    @router.post("/issue/{issueIdOrKey}/transitions")
    async def do_transition(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        body = await json_body(request)
        with state.lock:
            state.transition(user, state.get(issueIdOrKey), body)
        return Response(status_code=204)

    @router.get("/issue/{issueIdOrKey}/changelog")
    async def get_changelog(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        start, size = int_param(request, "startAt", 0), int_param(request, "maxResults", 100)
        with state.lock:
            issue = state.get(issueIdOrKey)
            render = renderer(user)
            page = issue.histories[start:start + max(size, 0)]
            last = start + len(page) >= len(issue.histories)
            base = f"{render.api}/issue/{issue.key}/changelog"
            out: dict[str, Any] = {"self": f"{base}?startAt={start}&maxResults={size}",
                                   "maxResults": size, "startAt": start,
                                   "total": len(issue.histories), "isLast": last,
                                   "values": [render.history(h) for h in page]}
            if not last:
                out["nextPage"] = f"{base}?startAt={start + len(page)}&maxResults={size}"
            return JSONResponse(out)

    @router.get("/issue/{issueIdOrKey}/editmeta")
    async def get_editmeta(issueIdOrKey: str, user: Caller) -> Response:
        with state.lock:
            state.get(issueIdOrKey)
            return JSONResponse({"fields": _editmeta(renderer(user))})

    @router.get("/issue/{issueIdOrKey}/properties")
    async def list_properties(issueIdOrKey: str, user: Caller) -> Response:
        with state.lock:
            issue = state.get(issueIdOrKey)
            api = renderer(user).api
            return JSONResponse({"keys": [
                {"self": f"{api}/issue/{issue.id}/properties/{key}", "key": key}
                for key in issue.properties]})

    @router.get("/issue/{issueIdOrKey}/properties/{propertyKey}")
    async def get_property(issueIdOrKey: str, propertyKey: str, user: Caller) -> Response:
        with state.lock:
            issue = state.get(issueIdOrKey)
            if propertyKey not in issue.properties:
                raise not_found(f"The property with key '{propertyKey}' does not exist.")
            return JSONResponse({"key": propertyKey, "value": issue.properties[propertyKey]})

    @router.put("/issue/{issueIdOrKey}/properties/{propertyKey}")
    async def put_property(issueIdOrKey: str, propertyKey: str, request: Request,
                           user: Caller) -> Response:
        try:
            value = json.loads(await request.body())
        except ValueError:
            raise JiraApiError(400, ["The property value must be valid JSON."]) from None
        with state.lock:
            created = state.set_property(state.get(issueIdOrKey), propertyKey, value)
        return Response(status_code=201 if created else 200)

    @router.delete("/issue/{issueIdOrKey}/properties/{propertyKey}")
    async def delete_property(issueIdOrKey: str, propertyKey: str, user: Caller) -> Response:
        with state.lock:
            state.delete_property(state.get(issueIdOrKey), propertyKey)
        return Response(status_code=204)

    return router


def _properties(request: Request, issue: Issue) -> list[str]:
    wanted = list_param(request, "properties") or []
    return list(issue.properties) if "*all" in wanted else wanted


def _edit_parts(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields, update = body.get("fields") or {}, body.get("update") or {}
    if set(body) - EDIT_KEYS or not isinstance(fields, dict) or not isinstance(update, dict):
        raise JiraApiError(400, [BAD_PAYLOAD])
    return fields, update


def _editmeta(render: Renderer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in FIELDS:
        if field["id"] not in EDITABLE:
            continue
        meta: dict[str, Any] = {"required": field["id"] == "summary", "schema": field["schema"],
                                "name": field["name"], "key": field["key"],
                                "operations": ["add", "set", "remove"]
                                if field["id"] == "labels" else ["set"]}
        if field["id"] == "priority":
            meta["allowedValues"] = [render.priority(p) for p in PRIORITIES]
        if field["id"] == BUDGET_STATUS:
            meta["allowedValues"] = [render.option(o) for o in BUDGET_OPTIONS]
        out[field["id"]] = meta
    return out
