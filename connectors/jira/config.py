"""Settings of a Jira Cloud connector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, SecretStr

from hub.sdk.config import ConnectorConfig, PollConfig


class JiraConfig(ConnectorConfig):
    """A Jira Cloud site, reached with an account's e-mail and API token."""

    kind: Literal["jira"] = "jira"
    base_url: str = Field(description="https://<site>.atlassian.net")
    email: str = Field(description="the account the hub acts as")
    api_token: SecretStr = Field(description="API token of that account")
    jql: str = Field(default="", description="scope, e.g. project in (RD, LAUNCH)")
    # Jira sends no webhook for issues that leave the scope or vanish with a project: scan.
    poll: PollConfig = Field(default_factory=lambda: PollConfig(delete_scan=timedelta(hours=1)))
    page_size: int = Field(default=100, ge=1, le=5000, description="issues per search page")
    issue_type: str = Field(default="Task", description="issue type of issues the hub creates")
    create_project: str | None = Field(
        default=None, description=("project key where issues the hub creates go when the "
                                   "task's project is no Jira project"))
    hub_property: str = Field(default="hub", description="issue property holding the hub id")
    transition_fields: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {"Done": {"resolution": {"name": "Done"}}},
        description="target status -> fields a transition there needs (e.g. resolution)")
    max_hops: int = Field(default=3, ge=1, le=6, description="transitions walked to reach a status")
    max_retries: int = Field(default=4, ge=0, le=10,
                             description="retries of one call on 429/5xx/timeouts")
    changelog: bool = Field(default=True,
                            description="read per-field change times (exact `latest` policy)")
    verify_tls: bool | str = Field(default=True, description="false, or a CA bundle path")
