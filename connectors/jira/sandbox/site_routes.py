"""The sandbox's search and site endpoints: JQL search (enhanced, with nextPageToken; the old
one answers 410), myself, serverInfo, projects, fields, users, and admin webhooks."""

from __future__ import annotations

import base64
import json
import zlib
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.jira.sandbox.catalog import (
    BUDGET_CONTEXT_ID,
    BUDGET_OPTIONS,
    BUDGET_STATUS,
    FIELD_NAMES,
    FIELDS,
    ISSUE_TYPES,
)
from connectors.jira.sandbox.errors import JiraApiError, not_found
from connectors.jira.sandbox.http import BAD_PAYLOAD, Caller, int_param, json_body, list_param
from connectors.jira.sandbox.model import Project, User, jira_time
from connectors.jira.sandbox.render import select_fields
from connectors.jira.sandbox.webhooks import Webhook

if TYPE_CHECKING:
    from connectors.jira.sandbox import JiraSandbox

SEARCH_KEYS = {"jql", "nextPageToken", "maxResults", "fields", "expand", "properties",
               "fieldsByKeys", "reconcileIssues"}
BAD_TOKEN = "Invalid format of nextPageToken"  # noqa: S105 - an error message, no secret
ID_PAGE_CAP, FIELD_PAGE_CAP = 5000, 100


def removed_search(version: int) -> str:
    """What Jira answers (410) on the old `/search`."""
    return (f"The requested API has been removed. Please migrate to the /rest/api/{version}"
            "/search/jql API. A full migration guideline is available at "
            "https://developer.atlassian.com/changelog/#CHANGE-2046")


def site_routes(sandbox: JiraSandbox, version: int) -> APIRouter:
    """Search and site endpoints for API `version`."""
    router = APIRouter(prefix=f"/rest/api/{version}")
    state = sandbox.state

    def search(user: User, jql: str, token: str | None, size: int | None,
               fields: list[str] | None, expand: list[str], properties: list[str]) -> Response:
        chosen = select_fields(fields, "id")
        cap = ID_PAGE_CAP if chosen is None and not expand else FIELD_PAGE_CAP
        size = min(max(50 if size is None else size, 1), cap)
        start = _offset(token, jql)
        with state.lock:
            found = state.search(jql, user)
            page = found[start:start + size]
            render = state.renderer(version, user.zone)
            issues = [render.issue(i, chosen, expand=expand, properties=properties)
                      for i in page]
        out: dict[str, Any] = {"issues": issues}
        if "names" in expand:
            out["names"] = {name: FIELD_NAMES.get(name, name) for name in chosen or ()}
        if start + len(page) < len(found):
            out["nextPageToken"] = _token(start + len(page), jql)
            out["isLast"] = False
        else:
            out["isLast"] = True
        return JSONResponse(out)

    @router.get("/search/jql")
    async def search_get(request: Request, user: Caller) -> Response:
        params = request.query_params
        return search(user, params.get("jql", ""), params.get("nextPageToken"),
                      int_param(request, "maxResults", 50) if "maxResults" in params else None,
                      list_param(request, "fields"), list_param(request, "expand") or [],
                      list_param(request, "properties") or [])

    @router.post("/search/jql")
    async def search_post(request: Request, user: Caller) -> Response:
        body = await json_body(request)
        if set(body) - SEARCH_KEYS:
            raise JiraApiError(400, [BAD_PAYLOAD])
        size = body.get("maxResults")
        fields, expand = body.get("fields"), body.get("expand") or ""
        if (size is not None and not isinstance(size, int)) or not isinstance(
                fields or [], list) or not isinstance(expand, str | list):
            raise JiraApiError(400, [BAD_PAYLOAD])
        expand_list = expand if isinstance(expand, list) else expand.split(",")
        return search(user, str(body.get("jql") or ""), body.get("nextPageToken"), size,
                      fields, [e.strip() for e in expand_list if e.strip()],
                      list(body.get("properties") or []))

    @router.post("/search/approximate-count")
    async def approximate_count(request: Request, user: Caller) -> Response:
        body = await json_body(request)
        if set(body) - {"jql"} or not isinstance(body.get("jql"), str):
            raise JiraApiError(400, [BAD_PAYLOAD])
        with state.lock:
            return JSONResponse({"count": len(state.search(body["jql"], user))})

    @router.api_route("/search", methods=["GET", "POST"])
    async def search_removed(user: Caller) -> Response:
        raise JiraApiError(410, [removed_search(version)])

    @router.get("/myself")
    async def myself(user: Caller) -> Response:
        out = state.renderer(version).user_of(user)
        out.update({"locale": "en_US", "groups": {"size": 1, "items": []},
                    "applicationRoles": {"size": 1, "items": []},
                    "expand": "groups,applicationRoles"})
        return JSONResponse(out)

    @router.get("/serverInfo")
    async def server_info(user: Caller) -> Response:
        return JSONResponse({
            "baseUrl": state.base_url, "displayUrl": state.base_url,
            "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud", "buildNumber": 100280,
            "buildDate": "2025-12-01T00:00:00.000+0000", "serverTime": jira_time(state.now()),
            "scmInfo": "0f4c0d6a0c3f0d0b", "serverTitle": "Jira", "serverTimeZone": "Etc/UTC"})

    @router.get("/project/search")
    async def project_search(request: Request, user: Caller) -> Response:
        start, size = int_param(request, "startAt", 0), int_param(request, "maxResults", 50)
        size = min(max(size, 1), 100)
        keys = {k.upper() for k in list_param(request, "keys") or []}
        query = (request.query_params.get("query") or "").casefold()
        with state.lock:
            render = state.renderer(version, user.zone)
            matching = [p for p in sorted(state.projects.values(), key=lambda p: p.key)
                        if (not keys or p.key in keys) and (query in p.key.casefold()
                                                            or query in p.name.casefold())]
            page = matching[start:start + size]
            base = f"{render.api}/project/search"
            out: dict[str, Any] = {
                "self": f"{base}?startAt={start}&maxResults={size}", "maxResults": size,
                "startAt": start, "total": len(matching),
                "isLast": start + len(page) >= len(matching),
                "values": [render.project(p, full=True) for p in page]}
            if not out["isLast"]:
                out["nextPage"] = f"{base}?startAt={start + len(page)}&maxResults={size}"
            return JSONResponse(out)

    def project_of(key: str) -> Project:
        project = state.project_of(key)
        if project is None:
            raise not_found(f"No project could be found with key '{key}'.")
        return project

    @router.get("/project/{projectIdOrKey}")
    async def get_project(projectIdOrKey: str, user: Caller) -> Response:
        with state.lock:
            project = project_of(projectIdOrKey)
            return JSONResponse(state.renderer(version).project(project, full=True))

    @router.get("/project/{projectIdOrKey}/statuses")
    async def project_statuses(projectIdOrKey: str, user: Caller) -> Response:
        # Every issue type of the project has the project's one workflow here.
        with state.lock:
            project = project_of(projectIdOrKey)
            render = state.renderer(version)
            statuses = [render.status(s) for s in project.workflow.statuses]
            # IssueTypeWithStatus: the issue type's id, name, self and subtask only
            kept = ("id", "name", "self", "subtask")
            return JSONResponse([{**{k: v for k, v in render.issuetype(type_id).items()
                                     if k in kept}, "statuses": statuses}
                                 for type_id in ISSUE_TYPES])

    @router.get("/field")
    async def fields(user: Caller) -> Response:
        return JSONResponse(FIELDS)

    @router.get("/field/{fieldId}/context")
    async def field_contexts(fieldId: str, user: Caller) -> Response:
        if fieldId != BUDGET_STATUS:
            raise not_found(f"The custom field was not found: {fieldId}")
        values = [{"id": BUDGET_CONTEXT_ID, "name": "Default Configuration Scheme for Hub "
                   "budget status", "description": "Default configuration scheme generated by "
                   "Jira", "isGlobalContext": True, "isAnyIssueType": True}]
        return JSONResponse({"maxResults": 50, "startAt": 0, "total": 1, "isLast": True,
                             "values": values})

    @router.get("/field/{fieldId}/context/{contextId}/option")
    async def field_options(fieldId: str, contextId: str, user: Caller) -> Response:
        if fieldId != BUDGET_STATUS or contextId != BUDGET_CONTEXT_ID:
            raise not_found(f"The custom field was not found: {fieldId}")
        values = [{"id": k, "value": v, "disabled": False} for k, v in BUDGET_OPTIONS.items()]
        return JSONResponse({"maxResults": 100, "startAt": 0, "total": len(values),
                             "isLast": True, "values": values})

    @router.get("/user/search")
    async def user_search(request: Request, user: Caller) -> Response:
        query = request.query_params.get("query")
        account = request.query_params.get("accountId")
        if not query and not account:
            raise JiraApiError(400, ["One of the following query parameters must be "
                                     "provided: query, accountId, property."])
        start, size = int_param(request, "startAt", 0), int_param(request, "maxResults", 50)
        with state.lock:
            render = state.renderer(version, user.zone)
            found = [u for u in state.users.values()
                     if (account and u.account_id == account)
                     or (query and _user_matches(u, query))]
            return JSONResponse([render.user_of(u) for u in found[start:start + size]])

    @router.get("/user")
    async def get_user(request: Request, user: Caller) -> Response:
        found = state.user(request.query_params.get("accountId") or "")
        if found is None:
            raise not_found("Specified user does not exist or you do not have required "
                            "permissions")
        return JSONResponse(state.renderer(version, user.zone).user_of(found))

    return router


def webhook_routes(sandbox: JiraSandbox) -> APIRouter:
    """Jira's admin webhook registration: `/rest/webhooks/1.0/webhook`."""
    router = APIRouter(prefix="/rest/webhooks/1.0")
    state = sandbox.state

    def shown(hook: Webhook) -> dict[str, Any]:
        author = state.user(hook.author or "")
        return {"self": f"{state.base_url}/rest/webhooks/1.0/webhook/{hook.id}",
                "name": hook.name, "url": hook.url, "events": hook.events,
                "filters": {"issue-related-events-section": hook.jql or ""},
                "excludeBody": False, "enabled": hook.enabled, "lastUpdated": hook.updated,
                "lastUpdatedUser": hook.author,
                "lastUpdatedDisplayName": author.display_name if author else None}

    @router.get("/webhook")
    async def list_webhooks(user: Caller) -> Response:
        return JSONResponse([shown(h) for h in state.webhooks.hooks()])

    @router.post("/webhook", status_code=201)
    async def register(request: Request, user: Caller) -> Response:
        body = await json_body(request)
        errors = {k: f"The {k} is required." for k in ("name", "url") if not body.get(k)}
        if errors:
            raise JiraApiError(400, errors=errors)
        jql = (body.get("filters") or {}).get("issue-related-events-section")
        hook = state.webhooks.register(str(body["name"]), str(body["url"]),
                                       list(body.get("events") or []), body.get("secret"),
                                       jql, user.account_id, state.now())
        return JSONResponse(shown(hook), 201)

    @router.get("/webhook/{webhookId}")
    async def get_webhook(webhookId: int, user: Caller) -> Response:
        hook = state.webhooks.get(webhookId)
        if hook is None:
            raise not_found(f"Webhook with id {webhookId} does not exist.")
        return JSONResponse(shown(hook))

    @router.delete("/webhook/{webhookId}")
    async def delete_webhook(webhookId: int, user: Caller) -> Response:
        if not state.webhooks.remove(webhookId):
            raise not_found(f"Webhook with id {webhookId} does not exist.")
        return Response(status_code=204)

    return router


def _user_matches(user: User, query: str) -> bool:
    """Jira matches the start of the e-mail address or of any word of the display name."""
    q = query.casefold()
    return user.email.casefold().startswith(q) or any(
        word.startswith(q) for word in user.display_name.casefold().split()) or \
        user.display_name.casefold().startswith(q)


def _token(offset: int, jql: str) -> str:
    raw = json.dumps({"o": offset, "q": zlib.crc32(jql.encode())}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token: str | None, jql: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["q"] != zlib.crc32(jql.encode()) or int(data["o"]) < 0:
            raise ValueError
        return int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise JiraApiError(400, [BAD_TOKEN]) from None
