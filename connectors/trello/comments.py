"""Trello card comments (`commentCard` actions) as the hub's comment verbs, and the webhook
actions that say a card's comments changed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.trello.hooks import _email
from hub.sdk.comments import CommentVerbs, CommentWrite, RemoteComment
from hub.sdk.connector import LinkRef, WebhookDelivery
from hub.sdk.http import ToolRefusal, json_of

if TYPE_CHECKING:
    from hub.sdk.declarative.client import DeclaredClient

COMMENT_ACTIONS = ("commentCard", "updateComment", "deleteComment")
PAGE = 50  # actions Trello answers a page


class TrelloComments(CommentVerbs):
    """Mixed into the declared Trello connector."""

    comment_parent_type: ClassVar[str] = "card"
    tool_label: ClassVar[str] = "Trello"
    client: DeclaredClient
    _me: str | None = None

    async def list_comments(self, task: LinkRef) -> list[RemoteComment]:
        me = await self._self()
        actions: list[Mapping[str, Any]] = []
        for page in range(100):  # 50 actions a page, newest first
            answer = json_of(await self.client.request(
                "GET", f"/cards/{task.remote_id}/actions",
                params={"filter": "commentCard", "page": page})) or []
            actions += answer
            if len(answer) < PAGE:
                break
        return [self._comment(a, me) for a in reversed(actions)]

    async def create_comment(self, task: LinkRef, write: CommentWrite) -> RemoteComment:
        answer = json_of(await self.client.request(
            "POST", f"/cards/{task.remote_id}/actions/comments", params={"text": write.body}))
        return self._comment(answer, await self._self())

    async def update_comment(self, task: LinkRef, remote_id: str,
                             write: CommentWrite) -> RemoteComment:
        answer = json_of(await self.client.request(
            "PUT", f"/cards/{task.remote_id}/actions/{remote_id}/comments",
            params={"text": write.body}))
        return self._comment(answer, await self._self())

    async def delete_comment(self, task: LinkRef, remote_id: str) -> None:
        try:
            await self.client.request(
                "DELETE", f"/cards/{task.remote_id}/actions/{remote_id}/comments")
        except ToolRefusal as exc:
            if exc.status != 404:
                raise

    def comment_threads_of(self, delivery: WebhookDelivery, body: bytes) -> WebhookDelivery:
        """The delivery, naming the card whose comments a comment action changed."""
        try:
            action = json.loads(body).get("action") or {}
        except (ValueError, AttributeError):
            return delivery
        card = ((action.get("data") or {}).get("card") or {}).get("id")
        if action.get("type") in COMMENT_ACTIONS and card:
            return replace(delivery, comment_threads=[str(card)])
        return delivery

    async def _self(self) -> str:
        if self._me is None:
            me = json_of(await self.client.request("GET", "/members/me"))
            self._me = str(me.get("id") or "")
        return self._me

    def _comment(self, action: Mapping[str, Any], me: str) -> RemoteComment:
        data = action.get("data") or {}
        creator = action.get("memberCreator") or {}
        card = (data.get("card") or {}).get("shortLink") or (data.get("card") or {}).get("id")
        return RemoteComment(
            remote_id=str(action["id"]), body=str(data.get("text") or ""),
            author_email=_email(self, creator), author_name=creator.get("fullName"),
            written_at=_time(action.get("date")), edited_at=_time(data.get("dateLastEdited")),
            by_hub=bool(me) and str(action.get("idMemberCreator") or "") == me,
            url=f"https://trello.com/c/{card}#comment-{action['id']}" if card else None)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
