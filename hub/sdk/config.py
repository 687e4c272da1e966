"""The part of a connector's configuration every kind shares; kinds subclass it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hub.config.types import Duration


class StrictModel(BaseModel):
    """A config model where an unknown key is an error: typos must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PollConfig(StrictModel):
    """How often the hub asks the tool for changes."""

    every: Duration = Field(default=timedelta(minutes=2), description="poll interval, e.g. 90s, 2m")
    overlap: Duration = Field(default=timedelta(minutes=1),
                              description="re-read this far behind the cursor (coarse clocks)")
    enabled: bool = Field(default=True, description="false: webhooks only")
    delete_scan: Duration | None = Field(
        default=None, description="how often to compare the ids in scope with the hub's links "
                                  "(tools whose deletes may go unannounced); off by default")


class WebhookConfig(StrictModel):
    """How the tool's webhooks are verified."""

    secret: SecretStr | None = Field(default=None, description="shared secret for signatures")
    tolerance: Duration = Field(default=timedelta(minutes=5),
                                description="max age of a signed timestamp (replay guard)")


class ConnectorConfig(StrictModel):
    """Settings every connector has. A kind subclasses this with `kind: Literal["<kind>"]`.

    `authority` names, per canonical entity, the fields a kind is the authority on unless the
    `sync:` rules say otherwise (HR kinds: a person's name, department, manager and employment
    status): such a connector is their default `owner`.
    """

    authority: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    kind: str = Field(description="connector kind, as registered under hub.connectors")
    enabled: bool = Field(default=True, description="false: configured but not run")
    display_name: str | None = Field(default=None, description="how people call this tool")
    poll: PollConfig = Field(default_factory=PollConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    mapping: Path | None = Field(default=None,
                                 description="mapping file; default mappings/<kind>.yaml")
    mapping_overrides: dict[str, Any] = Field(default_factory=dict,
                                              description="replace single entries of the mapping")
    concurrency: int = Field(default=4, ge=1, le=64, description="parallel requests to the tool")
    timeout: Duration = Field(default=timedelta(seconds=30), description="per-request timeout")
