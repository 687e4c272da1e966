"""Settings of an Asana connector."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from hub.sdk.config import ConnectorConfig


class AsanaConfig(ConnectorConfig):
    """An Asana workspace, reached with a personal access token, scoped to some projects."""

    kind: Literal["asana"] = "asana"
    base_url: str = Field(default="https://app.asana.com", description="Asana's API host")
    token: SecretStr = Field(description="personal access token (or a service account's)")
    projects: list[str] = Field(min_length=1, description="gids of the projects in scope")
    create_project: str | None = Field(
        default=None, description="project gid where tasks the hub creates go (default: the "
                                  "first project in scope)")
    status_field: str = Field(default="Status",
                              description="enum custom field that holds the status")
    done_status: str = Field(default="Done", description="the status that completes a task")
    status_sections: bool = Field(default=True,
                                  description="also move a task to the section of its status")
    page_size: int = Field(default=100, ge=1, le=100, description="tasks per page (max 100)")
    per_minute: int = Field(default=1400, ge=1,
                            description="calls a minute at most (Asana allows 1,500 on paid "
                                        "plans, 150 on free ones)")
    max_retries: int = Field(default=4, ge=0, le=10,
                             description="retries of one call on 429/5xx/timeouts")
