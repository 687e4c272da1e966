"""The comment verbs a connector may add (`CommentVerbs`), and the values they exchange.

A tool's comments hang off a task: the engine hands the connector the task's link and gets
the thread back, or a comment to write. Bodies are plain text on both sides: a mention is
`@Name` in the text and named in `mentions`; a link is written `[text](url)` or the bare URL.
The connector converts to and from its tool's format (Jira's ADF, monday.com's HTML).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal

from hub.sdk.connector import LinkRef


@dataclass(frozen=True)
class Mention:
    """A person named in a comment: the `@Name` text, and who it is (the tool's id, and the
    e-mail where the tool tells it)."""

    name: str
    email: str | None = None
    remote_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file as a link: the hub never copies the bytes."""

    name: str
    url: str
    size: int | None = None
    media_type: str | None = None


@dataclass(frozen=True)
class RemoteComment:
    """One comment as a tool holds it, in the hub's terms.

    `by_hub`: written by the account the hub uses (its own comments coming back). `restricted`:
    the tool shows it only to some roles or groups (Jira's visibility): it never leaves the
    tool. `kind="attachment"` is a file added to the task, shown in the other tools as a
    comment with its link.
    """

    remote_id: str
    body: str
    author_email: str | None = None
    author_name: str | None = None
    written_at: datetime | None = None
    edited_at: datetime | None = None
    by_hub: bool = False
    restricted: bool = False
    mentions: tuple[Mention, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    url: str | None = None
    kind: Literal["comment", "attachment"] = "comment"


@dataclass(frozen=True)
class CommentWrite:
    """A comment the hub writes: the full text (with the attribution line) and the people it
    mentions, for tools that turn `@Name` into a real mention."""

    body: str
    mentions: tuple[Mention, ...] = field(default_factory=tuple)


class CommentVerbs:
    """Mixed into a connector whose tool has comments on tasks. Every verb may raise
    `Retriable` or `Permanent` like the others; a task the tool no longer has is `Permanent`
    with status 404."""

    #: the task remote type comments hang off, e.g. "issue"
    comment_parent_type: ClassVar[str] = "task"
    #: how the tool is called in an attribution line: "Ana (in Jira): ..."
    tool_label: ClassVar[str] = ""

    @abstractmethod
    async def list_comments(self, task: LinkRef) -> list[RemoteComment]:
        """Every comment on the task now, oldest first (attachments as `kind="attachment"`).
        A comment missing from the list is taken as deleted in the tool."""

    @abstractmethod
    async def create_comment(self, task: LinkRef, write: CommentWrite) -> RemoteComment:
        """Post a comment as the hub's account; returns it as stored."""

    @abstractmethod
    async def update_comment(self, task: LinkRef, remote_id: str,
                             write: CommentWrite) -> RemoteComment:
        """Replace the text of one of the hub's comments; returns it as stored."""

    @abstractmethod
    async def delete_comment(self, task: LinkRef, remote_id: str) -> None:
        """Delete one of the hub's comments; one already gone is no error."""

    async def comment_threads(self, since: str | None) -> tuple[list[str] | None, str | None]:
        """Ids of the tasks whose comments changed since `since` (a cursor this returned
        before), and the cursor to keep. None for the ids: ask every linked task (the
        default, for tools that can't say)."""
        return None, None
