"""monday.com updates (an item's conversation) as the hub's comment verbs. Bodies are HTML:
the hub writes its text escaped, lines as `<br>`, and reads them back the same way, so a
comment keeps its text; a file in an update travels as a link."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from hub.errors import Permanent
from hub.sdk.comments import Attachment, CommentVerbs, CommentWrite, RemoteComment
from hub.sdk.connector import LinkRef
from hub.sdk.declarative.manifest import Call

if TYPE_CHECKING:
    from hub.sdk.declarative.client import DeclaredClient

FIELDS = ("id body created_at updated_at creator_id creator { id name email } "
          "assets { id name url file_size file_extension }")
LIST = Call(query=f"query ($item: [ID!]) {{ items(ids: $item) {{ id updates(limit: 100) "
                  f"{{ {FIELDS} }} }} }}")
CREATE = Call(query=f"mutation ($item: ID!, $body: String!) {{ create_update(item_id: $item, "
                    f"body: $body) {{ {FIELDS} }} }}")
EDIT = Call(query=f"mutation ($id: ID!, $body: String!) {{ edit_update(id: $id, body: $body) "
                  f"{{ {FIELDS} }} }}")
DELETE = Call(query="mutation ($id: ID!) { delete_update(id: $id) { id } }")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def to_html(text: str) -> str:
    """An update body for plain text."""
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"


def to_text(body: str) -> str:
    """The plain text of an update body."""
    text = _BREAK.sub("\n", body).replace("</p><p>", "\n\n")
    return html.unescape(_TAG.sub("", text))


class MondayComments(CommentVerbs):
    """Mixed into the declared monday.com connector."""

    comment_parent_type: ClassVar[str] = "item"
    tool_label: ClassVar[str] = "monday.com"
    client: DeclaredClient
    context: dict[str, Any]
    _me: str | None = None

    async def list_comments(self, task: LinkRef) -> list[RemoteComment]:
        answer, _ = await self.client.call(LIST, self.context, variables={
            "item": [task.remote_id]})
        items = (answer or {}).get("items") or []
        if not items:
            raise Permanent(f"monday.com: no item {task.remote_id}", status=404)
        me = await self._self()
        updates = sorted(items[0].get("updates") or [], key=lambda u: str(u.get("created_at")))
        return [self._comment(u, me) for u in updates]

    async def create_comment(self, task: LinkRef, write: CommentWrite) -> RemoteComment:
        answer, _ = await self.client.call(CREATE, self.context, variables={
            "item": task.remote_id, "body": to_html(write.body)})
        return self._comment(answer["create_update"], await self._self())

    async def update_comment(self, task: LinkRef, remote_id: str,
                             write: CommentWrite) -> RemoteComment:
        answer, _ = await self.client.call(EDIT, self.context, variables={
            "id": remote_id, "body": to_html(write.body)})
        return self._comment(answer["edit_update"], await self._self())

    async def delete_comment(self, task: LinkRef, remote_id: str) -> None:
        try:
            await self.client.call(DELETE, self.context, variables={"id": remote_id})
        except Permanent as exc:
            if "not found" not in exc.reason.lower():
                raise

    async def _self(self) -> str:
        if self._me is None:
            answer, _ = await self.client.call(Call(query="query { me { id } }"), self.context)
            self._me = str(((answer or {}).get("me") or {}).get("id") or "")
        return self._me

    def _comment(self, update: Mapping[str, Any], me: str) -> RemoteComment:
        creator = update.get("creator") or {}
        created, updated = _time(update.get("created_at")), _time(update.get("updated_at"))
        files = tuple(Attachment(str(a.get("name") or "file"), str(a.get("url") or ""),
                                 int(a["file_size"]) if a.get("file_size") else None,
                                 a.get("file_extension"))
                      for a in update.get("assets") or [])
        return RemoteComment(
            remote_id=str(update["id"]), body=to_text(str(update.get("body") or "")),
            author_email=creator.get("email"), author_name=creator.get("name"),
            written_at=created, edited_at=updated if updated != created else None,
            by_hub=bool(me) and str(update.get("creator_id") or creator.get("id")) == me,
            attachments=files)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
