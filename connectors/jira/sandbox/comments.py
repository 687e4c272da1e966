"""The sandbox's issue comments (`/rest/api/{2,3}/issue/{key}/comment`): ADF bodies in v3,
plain text in v2, visibility restricted to a role or group, and the `comment_created`,
`comment_updated` and `comment_deleted` webhooks. A comment bumps its issue's `updated`, as
in Jira, so a JQL poll on `updated` finds the issue again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.jira.sandbox.catalog import ISSUE_FIELDS
from connectors.jira.sandbox.errors import JiraApiError, not_found
from connectors.jira.sandbox.http import Caller, int_param, json_body
from connectors.jira.sandbox.model import Issue, User
from connectors.jira.sandbox.render import Renderer
from hub.mapping.adf import adf_to_text, text_to_adf

if TYPE_CHECKING:
    from connectors.jira.sandbox import JiraSandbox
    from connectors.jira.sandbox.state import JiraState

COMMENT_KEYS = {"body", "visibility", "properties"}


@dataclass(eq=False)
class JiraComment:
    """One comment: `body` is an ADF document; `visibility` restricts who sees it."""

    id: int
    issue_id: int
    author: str
    body: dict[str, Any]
    created: int
    updated: int
    update_author: str
    visibility: dict[str, Any] | None = None


class Comments:
    """Every comment of the site, by id, with the writes people and the API make."""

    def __init__(self, state: JiraState) -> None:
        self.state = state
        self.by_id: dict[int, JiraComment] = {}
        self._next = 10000

    def of(self, issue: Issue) -> list[JiraComment]:
        """The issue's comments, oldest first."""
        return sorted((c for c in self.by_id.values() if c.issue_id == issue.id),
                      key=lambda c: (c.created, c.id))

    def get(self, issue: Issue, comment_id: str) -> JiraComment:
        """One comment of the issue; Jira's 404 otherwise."""
        found = self.by_id.get(int(comment_id)) if comment_id.isdigit() else None
        if found is None or found.issue_id != issue.id:
            raise not_found("Can not find a comment for the id: " + comment_id + ".")
        return found

    def add(self, actor: User, issue: Issue, body: Any,
            visibility: dict[str, Any] | None = None) -> JiraComment:
        """A new comment (webhook `comment_created`)."""
        with self.state.lock:
            now = self.state.now()
            comment = JiraComment(self._next, issue.id, actor.account_id, _document(body), now,
                                  now, actor.account_id, _visibility(visibility))
            self._next += 1
            self.by_id[comment.id] = comment
            self._touch(issue, now)
            self._emit("comment_created", issue, comment)
            return comment

    def edit(self, actor: User, issue: Issue, comment: JiraComment, body: Any,
             visibility: dict[str, Any] | None = None) -> JiraComment:
        """Replace a comment's body (webhook `comment_updated`)."""
        with self.state.lock:
            now = self.state.now()
            comment.body, comment.updated, comment.update_author = \
                _document(body), now, actor.account_id
            if visibility is not None:
                comment.visibility = _visibility(visibility)
            self._touch(issue, now)
            self._emit("comment_updated", issue, comment)
            return comment

    def delete(self, issue: Issue, comment: JiraComment) -> None:
        """Remove a comment (webhook `comment_deleted`)."""
        with self.state.lock:
            del self.by_id[comment.id]
            self._touch(issue, self.state.now())
            self._emit("comment_deleted", issue, comment)

    def _touch(self, issue: Issue, now: int) -> None:
        issue.updated = now
        self.state.version += 1

    def _emit(self, event: str, issue: Issue, comment: JiraComment) -> None:
        hooks = [h for h in self.state.webhooks.hooks()
                 if h.wants(event) and (not h.jql or self.state.matches(h.jql, issue))]
        if not hooks:
            return
        render = self.state.renderer(api_version=2)
        payload = {"timestamp": comment.updated, "webhookEvent": event,
                   "comment": render_comment(render, issue, comment),
                   "issue": render.issue(issue, ISSUE_FIELDS)}
        body = json.dumps(payload, separators=(",", ":")).encode()
        for hook in hooks:
            self.state.webhooks.enqueue(hook, event, issue.key, body)


def render_comment(render: Renderer, issue: Issue, comment: JiraComment) -> dict[str, Any]:
    """A comment's JSON: its body as ADF (v3) or text (v2)."""
    out: dict[str, Any] = {
        "self": f"{render.api}/issue/{issue.id}/comment/{comment.id}", "id": str(comment.id),
        "author": render.user(comment.author),
        "body": comment.body if render.version == 3 else adf_to_text(comment.body),
        "updateAuthor": render.user(comment.update_author),
        "created": render.time(comment.created), "updated": render.time(comment.updated),
        "jsdPublic": True}
    if comment.visibility:
        out["visibility"] = comment.visibility
    return out


def _document(body: Any) -> dict[str, Any]:
    if isinstance(body, str) and body.strip():
        return text_to_adf(body) or {}
    if isinstance(body, dict) and body.get("type") == "doc" and body.get("content"):
        return body
    raise JiraApiError(400, errors={"comment": "Comment body can not be empty!"})


def _visibility(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in ("group", "role") or \
            not (value.get("value") or value.get("identifier")):
        raise JiraApiError(400, errors={"commentLevel": "You are currently not a member of "
                                                        "the project role or group."})
    return {k: value[k] for k in ("type", "value", "identifier") if value.get(k)}


def comment_routes(sandbox: JiraSandbox, version: int) -> APIRouter:
    """The comment endpoints of API `version`."""
    router = APIRouter(prefix=f"/rest/api/{version}")
    state = sandbox.state

    def body_of(payload: dict[str, Any]) -> Any:
        if unknown := sorted(set(payload) - COMMENT_KEYS):
            raise JiraApiError(400, [f'Unrecognized field "{unknown[0]}"'])
        body = payload.get("body")
        if version == 3 and isinstance(body, str):
            raise JiraApiError(400, errors={"comment": "Comment body is not valid!"})
        return body

    @router.get("/issue/{issueIdOrKey}/comment")
    async def list_comments(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        start, size = int_param(request, "startAt", 0), int_param(request, "maxResults", 5000)
        with state.lock:
            issue = state.get(issueIdOrKey)
            render = state.renderer(version, user.zone)
            every = state.comments.of(issue)
            if request.query_params.get("orderBy", "created").lstrip("+") == "-created":
                every.reverse()
            page = every[start:start + max(min(size, 5000), 0)]
            return JSONResponse({"startAt": start, "maxResults": size, "total": len(every),
                                 "comments": [render_comment(render, issue, c) for c in page]})

    @router.post("/issue/{issueIdOrKey}/comment", status_code=201)
    async def add_comment(issueIdOrKey: str, request: Request, user: Caller) -> Response:
        payload = await json_body(request)
        with state.lock:
            issue = state.get(issueIdOrKey)
            comment = state.comments.add(user, issue, body_of(payload), payload.get("visibility"))
            return JSONResponse(render_comment(state.renderer(version, user.zone), issue,
                                               comment), 201)

    @router.get("/issue/{issueIdOrKey}/comment/{commentId}")
    async def get_comment(issueIdOrKey: str, commentId: str, user: Caller) -> Response:
        with state.lock:
            issue = state.get(issueIdOrKey)
            return JSONResponse(render_comment(state.renderer(version, user.zone), issue,
                                               state.comments.get(issue, commentId)))

    @router.put("/issue/{issueIdOrKey}/comment/{commentId}")
    async def edit_comment(issueIdOrKey: str, commentId: str, request: Request,
                           user: Caller) -> Response:
        payload = await json_body(request)
        with state.lock:
            issue = state.get(issueIdOrKey)
            comment = state.comments.get(issue, commentId)
            if comment.author != user.account_id:  # the hub's account edits its own only
                raise JiraApiError(403, ["You do not have the permission to edit this comment."])
            state.comments.edit(user, issue, comment, body_of(payload), payload.get("visibility"))
            return JSONResponse(render_comment(state.renderer(version, user.zone), issue,
                                               comment))

    @router.delete("/issue/{issueIdOrKey}/comment/{commentId}")
    async def delete_comment(issueIdOrKey: str, commentId: str, user: Caller) -> Response:
        with state.lock:
            issue = state.get(issueIdOrKey)
            state.comments.delete(issue, state.comments.get(issue, commentId))
        return Response(status_code=204)

    return router
