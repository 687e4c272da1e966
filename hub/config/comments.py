"""The `comments:` section: which tools exchange the comments on tasks, and what a delete does."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from hub.config.types import Duration
from hub.sdk.config import StrictModel

#: both: its comments go out and others' come in; send: only out; receive: only in; none
Direction = Literal["both", "send", "receive", "none"]


class CommentsConfig(StrictModel):
    """How comments (and attachments, as links) follow a task from tool to tool."""

    enabled: bool = Field(default=True, description="exchange comments at all")
    deletes: Literal["propagate", "keep"] = Field(
        default="propagate", description="a comment deleted in one tool: propagate (delete it "
                                         "in the others) or keep (the others keep their copy)")
    connectors: dict[str, Direction] = Field(
        default_factory=dict,
        description="connector id -> both | send | receive | none; default: both, for every "
                    "connector whose tool has comments")
    projects: dict[str, list[str]] = Field(
        default_factory=dict,
        description="project key -> the only connectors that exchange comments on its tasks "
                    "(e.g. RND: [jira] keeps R&D's comments in Jira)")
    attachments: bool = Field(
        default=True, description="files added to a task travel as links (name, URL, size, "
                                  "type) in a comment; bytes are never copied")
    poll_every: Duration = Field(
        default=timedelta(minutes=2),
        description="how often each tool's comment threads are read (webhooks come sooner)")

    def direction(self, connector_id: str) -> Direction:
        """How `connector_id` takes part."""
        return self.connectors.get(connector_id, "both")

    def exchanges(self, connector_id: str, project: str | None) -> bool:
        """Whether comments on a task of `project` (its key) travel through `connector_id`."""
        allowed = self.projects.get(project) if project else None
        return self.enabled and (allowed is None or connector_id in allowed)

    def sends(self, connector_id: str, project: str | None) -> bool:
        """Whether comments written in `connector_id` go to the other tools."""
        return self.exchanges(connector_id, project) and \
            self.direction(connector_id) in ("both", "send")

    def receives(self, connector_id: str, project: str | None) -> bool:
        """Whether comments written elsewhere are posted into `connector_id`."""
        return self.exchanges(connector_id, project) and \
            self.direction(connector_id) in ("both", "receive")
