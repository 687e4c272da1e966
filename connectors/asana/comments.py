"""Asana comments (stories of subtype `comment_added`) and attachments (as links) as the hub's
comment verbs. Asana's `modified_at` ignores comments, so every linked task's thread is read
at the comment poll; webhooks name the task of each story added, changed or deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.asana.tasks import parse_time
from hub.sdk.comments import Attachment, CommentVerbs, CommentWrite, RemoteComment
from hub.sdk.connector import LinkRef
from hub.sdk.http import ToolRefusal

if TYPE_CHECKING:
    from connectors.asana.client import AsanaClient
    from connectors.asana.config import AsanaConfig

STORY_FIELDS = "created_at,created_by.name,created_by.email,resource_subtype,text,is_edited"
FILE_FIELDS = "name,size,permanent_url,download_url,created_at,resource_subtype"
ATTACHMENT = "attachment:"  # remote ids of attachments, beside the stories' gids


class AsanaComments(CommentVerbs):
    """Mixed into `AsanaConnector`."""

    comment_parent_type: ClassVar[str] = "task"
    tool_label: ClassVar[str] = "Asana"
    client: AsanaClient
    config: AsanaConfig
    _me: str | None = None

    async def list_comments(self, task: LinkRef) -> list[RemoteComment]:
        me = await self._self()
        out: list[RemoteComment] = []
        async for page in self.client.pages(f"/tasks/{task.remote_id}/stories",
                                            {"opt_fields": STORY_FIELDS}, 100):
            out += [_story(task, story, me) for story in page
                    if story.get("resource_subtype") == "comment_added"]
        async for page in self.client.pages("/attachments", {"parent": task.remote_id,
                                                             "opt_fields": FILE_FIELDS}, 100):
            out += [_file(item) for item in page]
        return out

    async def create_comment(self, task: LinkRef, write: CommentWrite) -> RemoteComment:
        story = await self.client.data("POST", f"/tasks/{task.remote_id}/stories",
                                       params={"opt_fields": STORY_FIELDS},
                                       body={"text": write.body})
        return _story(task, story, await self._self())

    async def update_comment(self, task: LinkRef, remote_id: str,
                             write: CommentWrite) -> RemoteComment:
        story = await self.client.data("PUT", f"/stories/{remote_id}",
                                       params={"opt_fields": STORY_FIELDS},
                                       body={"text": write.body})
        return _story(task, story, await self._self())

    async def delete_comment(self, task: LinkRef, remote_id: str) -> None:
        if remote_id.startswith(ATTACHMENT):
            return  # files are not the hub's to delete
        try:
            await self.client.data("DELETE", f"/stories/{remote_id}")
        except ToolRefusal as exc:
            if exc.status != 404:
                raise

    async def _self(self) -> str:
        if self._me is None:
            me = await self.client.data("GET", "/users/me", params={"opt_fields": "gid"})
            self._me = str(me.get("gid") or "")
        return self._me


def _story(task: LinkRef, story: Mapping[str, Any], me: str) -> RemoteComment:
    author = story.get("created_by") or {}
    created = parse_time(story.get("created_at"))
    return RemoteComment(
        remote_id=str(story["gid"]), body=str(story.get("text") or ""),
        author_email=author.get("email"), author_name=author.get("name"), written_at=created,
        by_hub=bool(me) and str(author.get("gid") or "") == me,
        url=f"https://app.asana.com/0/0/{task.remote_id}/{story['gid']}/f")


def _file(item: Mapping[str, Any]) -> RemoteComment:
    url = str(item.get("permanent_url") or item.get("download_url") or "")
    size = item.get("size")
    return RemoteComment(
        remote_id=ATTACHMENT + str(item["gid"]), body="", kind="attachment",
        written_at=parse_time(item.get("created_at")),
        attachments=(Attachment(str(item.get("name") or "file"), url,
                                size if isinstance(size, int) else None),), url=url)
