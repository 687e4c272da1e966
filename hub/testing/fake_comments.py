"""Comments in the fake tool (`hub.testing.fake`): what a person writes, edits and deletes on
an object, and the comment verbs of `FakeConnector`, through the tool's faults like every
call. A comment the connector writes is the hub account's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from hub.errors import Permanent
from hub.sdk.comments import CommentVerbs, CommentWrite, RemoteComment
from hub.sdk.connector import LinkRef

if TYPE_CHECKING:
    from hub.testing.fake import FakeTool


@dataclass
class FakeComment:
    """One comment on an object of the fake tool."""

    comment_id: str
    parent: str
    text: str
    author: str  # an e-mail; the hub's account writes as "hub"
    created: datetime
    edited: datetime | None = None

    def remote(self) -> RemoteComment:
        return RemoteComment(self.comment_id, self.text,
                             author_email=None if self.author == "hub" else self.author,
                             author_name=self.author.split("@")[0].title(),
                             written_at=self.created, edited_at=self.edited,
                             by_hub=self.author == "hub")


def user_comment(tool: FakeTool, remote_id: str, text: str, author: str) -> FakeComment:
    """A person comments on an object."""
    if remote_id not in tool.objects:
        raise KeyError(remote_id)
    tool._seq += 1
    comment = FakeComment(f"{tool.name}-c{tool._seq}", remote_id, text, author, tool.clock())
    tool.comments[comment.comment_id] = comment
    return comment


def user_edit_comment(tool: FakeTool, comment_id: str, text: str) -> None:
    """Its author changes a comment's text."""
    comment = tool.comments[comment_id]
    comment.text, comment.edited = text, tool.clock()


def user_delete_comment(tool: FakeTool, comment_id: str) -> None:
    """A person deletes a comment (any one they see, the hub's copies too)."""
    del tool.comments[comment_id]


class FakeComments(CommentVerbs):
    """Mixed into `FakeConnector`."""

    tool_label: ClassVar[str] = ""
    comment_parent_type: ClassVar[str] = "item"

    if TYPE_CHECKING:
        @property
        def tool(self) -> FakeTool: ...

        @property
        def _token(self) -> str: ...

    def _parent(self, task: LinkRef) -> str:
        if task.remote_id not in self.tool.objects or self.tool.objects[task.remote_id].deleted:
            raise Permanent(f"{self.tool.name}: no object {task.remote_id}", status=404)
        return task.remote_id

    async def list_comments(self, task: LinkRef) -> list[RemoteComment]:
        tool = self.tool
        await tool.turn()
        parent = self._parent(task)
        found = tool._api("comments", self._token, lambda: sorted(
            (c for c in tool.comments.values() if c.parent == parent),
            key=lambda c: (c.created, c.comment_id)))
        return [c.remote() for c in found]

    async def create_comment(self, task: LinkRef, write: CommentWrite) -> RemoteComment:
        tool = self.tool
        await tool.turn()
        parent = self._parent(task)

        def post() -> FakeComment:
            return user_comment(tool, parent, write.body, "hub")

        made: FakeComment = tool._api("comment_create", self._token, post)
        await tool.turn()
        return made.remote()

    async def update_comment(self, task: LinkRef, remote_id: str,
                             write: CommentWrite) -> RemoteComment:
        tool = self.tool
        await tool.turn()
        if remote_id not in tool.comments:
            tool._api("comment_update", self._token)
            raise Permanent(f"{tool.name}: no comment {remote_id}", status=404)
        tool._api("comment_update", self._token,
                  lambda: user_edit_comment(tool, remote_id, write.body))
        edited: FakeComment = tool.comments[remote_id]
        return edited.remote()

    async def delete_comment(self, task: LinkRef, remote_id: str) -> None:
        tool = self.tool
        await tool.turn()
        tool._api("comment_delete", self._token,
                  lambda: tool.comments.pop(remote_id, None))
