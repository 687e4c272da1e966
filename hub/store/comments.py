"""Comments on tasks: one canonical comment per conversation entry, linked to each tool that
shows it (a `Link` with `entity=comment`, its shadow the body that tool holds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.store.base import Base, JSONType
from hub.store.canonical import Person, RecordMixin, Task


class Comment(RecordMixin, Base):
    """A comment written on a task in one tool (its `source`), shown in the others.

    `body` is plain text; a mention reads `@Name` in it and is resolved to a person in
    `mentions` (`[{"name", "email"}]`). `attachments` are links (`[{"name", "url", "size",
    "type"}]`), never file bytes. `internal` comments (restricted in their tool, or from a tool
    whose comments stay in-house) never leave their tool and no partner reads them.
    """

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_task_id_written_at", "task_id", "written_at"),
        Index("uq_comment_source", "source", "source_remote_id", unique=True),
    )

    task_id: Mapped[str] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    #: the author's name as their tool shows it (people without a known e-mail have one too)
    author_name: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    mentions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: comment: a conversation entry; attachment: a file added to the task, shown as a link
    kind: Mapped[str] = mapped_column(String(16), default="comment")
    written_at: Mapped[datetime | None] = mapped_column()
    edited_at: Mapped[datetime | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(64))  # the connector it was written in
    source_remote_id: Mapped[str] = mapped_column(String(255))
    internal: Mapped[bool] = mapped_column(default=False)

    task: Mapped[Task] = relationship(lazy="selectin")
    author: Mapped[Person | None] = relationship(lazy="selectin")
