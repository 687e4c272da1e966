"""The configuration as typed models. `hub config schema` prints their JSON Schema."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    SecretStr,
)
from pydantic.json_schema import JsonSchemaValue
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from hub.config.comments import CommentsConfig
from hub.config.rules import (
    Channel,
    DigestsConfig,
    RisksConfig,
    RuleConfig,
    unique_rule_names,
)
from hub.config.sso import SsoConfig
from hub.config.sync import EntitySync, SyncConfig
from hub.config.types import Duration
from hub.model.enums import Entity
from hub.sdk.config import ConnectorConfig, StrictModel

CONNECTOR_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def _database_url(value: SecretStr) -> SecretStr:
    try:
        url = make_url(value.get_secret_value())
    except ArgumentError:
        raise ValueError("is not a database URL (try sqlite:///hub.db or "
                         "postgresql://user@host/db)") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"database {url.get_backend_name()!r} is not supported "
                         "(use sqlite or postgresql)")
    return value


class DatabaseConfig(StrictModel):
    """Where the hub keeps its state."""

    # A URL may carry a password, so it is a secret; `display_url` masks it.
    url: Annotated[SecretStr, AfterValidator(_database_url)] = Field(
        default=SecretStr("sqlite:///hub.db"),
        description="sqlite:///path.db (embedded) or postgresql://user:pass@host/db")
    auto_upgrade: bool | None = Field(
        default=None, description="apply migrations when `hub serve` starts "
                                  "(default: yes on SQLite; on PostgreSQL run `hub db upgrade`)")

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database (no workers can share it)."""
        return make_url(self.url.get_secret_value()).get_backend_name() == "sqlite"

    @property
    def display_url(self) -> str:
        """The URL with any password masked, safe to print."""
        return make_url(self.url.get_secret_value()).render_as_string(hide_password=True)


class ServerConfig(StrictModel):
    """The API and webhook server."""

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8080, ge=1, le=65535, description="port to listen on")
    public_url: str | None = Field(
        default=None, description="URL the tools reach the hub at, for registering webhooks")


class PortalConfig(StrictModel):
    """The partner portal (/ui/portal): where a partner's request becomes a task."""

    requests_to: str | None = Field(
        default=None, description="connector id where partners' requests become tasks (e.g. "
                                  "jira); none: the portal shows progress but takes no requests")
    per_hour: int = Field(default=10, ge=1, le=1000,
                          description="requests one partner may send per hour")


class LoggingConfig(StrictModel):
    """Log output."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["text", "json"] = Field(default="text", description="json for log shippers")


def _url_shorthand(value: Any) -> Any:
    # `database: sqlite:///hub.db` is what people write: short for `database: {url: ...}`.
    return {"url": value} if isinstance(value, str) else value


class _UrlOrMapping:
    """The schema editors see: the URL alone, or the mapping."""

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        return {"anyOf": [{"type": "string", "description": "the database URL"}, handler(core)]}


class QueueConfig(StrictModel):
    """Scaled out (`runner: queue`): how `hub worker` processes take jobs from PostgreSQL."""

    concurrency: int = Field(default=8, ge=1, le=256,
                             description="jobs one `hub worker` runs at once")
    listen_notify: bool = Field(
        default=True, description="wake workers through LISTEN/NOTIFY; false behind PgBouncer "
                                  "in transaction mode (workers then look every poll_interval)")
    poll_interval: Duration = Field(default=timedelta(seconds=1),
                                    description="how often an idle worker looks for jobs")
    heartbeat: Duration = Field(default=timedelta(seconds=5),
                                description="how often a worker says it is alive")
    stalled_after: Duration = Field(
        default=timedelta(seconds=30),
        description="a worker silent this long is taken for dead: its jobs are handed back")
    sweep_every: Duration = Field(
        default=timedelta(seconds=5),
        description="how often one worker looks for work a crash or a backoff left waiting")
    keep_finished: Duration = Field(
        default=timedelta(hours=1),
        description="how long finished jobs and their runs are kept (for /metrics)")


class HubConfig(StrictModel):
    """The whole `config.yaml`."""

    database: Annotated[DatabaseConfig, BeforeValidator(_url_shorthand), _UrlOrMapping()] = Field(
        default_factory=DatabaseConfig,
        description="where the hub keeps its state: a URL, or a mapping with url:")
    server: ServerConfig = Field(default_factory=ServerConfig)
    runner: Literal["embedded", "queue"] = Field(
        default="embedded",
        description="embedded: `hub serve` runs the jobs itself (SQLite or PostgreSQL); queue: "
                    "`hub serve` only serves and `hub worker` processes run the jobs "
                    "(PostgreSQL)")
    queue: QueueConfig = Field(default_factory=QueueConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    connectors: dict[str, ConnectorConfig] = Field(
        default_factory=dict, description="connector id -> its settings (kind decides which)")
    sync: SyncConfig = Field(default_factory=SyncConfig)
    portal: PortalConfig = Field(default_factory=PortalConfig)
    comments: CommentsConfig = Field(
        default_factory=CommentsConfig,
        description="which tools exchange the comments on tasks, and what a delete does")
    channels: dict[str, Channel] = Field(
        default_factory=dict, description="notification channels by name: dingtalk, wecom, "
                                          "feishu robots, email")
    rules: Annotated[list[RuleConfig], AfterValidator(unique_rule_names)] = Field(
        default_factory=list, description="cross-department rules: when an event, then notify, "
                                          "set fields, create a follow-up task")
    risks: RisksConfig = Field(default_factory=RisksConfig)
    digests: DigestsConfig = Field(default_factory=DigestsConfig)
    sso: SsoConfig = Field(default_factory=SsoConfig, description="single sign-on: OIDC "
                           "providers for the API and the dashboard, roles from their claims")
    #: The directory of the config file: relative paths in it are taken from there.
    base_dir: Path = Field(default=Path("."), exclude=True)
    #: The line of every key in the config file, for problems found after loading it.
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    def lines_under(self, *loc: str | int) -> dict[tuple[str | int, ...], int]:
        """The lines of the keys under `loc` in the config file, by their path below it."""
        return {key[len(loc):]: line for key, line in self._lines.items()
                if key[:len(loc)] == loc}

    def sync_rules(self, entity: Entity) -> EntitySync:
        """The sync rules of `entity`: the `sync:` section's, where a field it leaves unsaid
        is owned by the one enabled connector whose kind is its authority (HR for a person's
        name, department, manager and employment status). Two such connectors: no default."""
        claims: dict[str, list[str]] = {}
        for connector_id, settings in self.connectors.items():
            if settings.enabled:
                for name in type(settings).authority.get(entity.value, ()):
                    claims.setdefault(name, []).append(connector_id)
        owners = {name: ids[0] for name, ids in claims.items() if len(ids) == 1}
        return self.sync.for_entity(entity, owners)

    def secrets(self) -> list[str]:
        """Every secret value in this config, for the log and output redactor."""
        found: list[str] = []
        _collect_secrets(self, found)
        # The database URL is secret only for its password: a SQLite path is not.
        found.remove(self.database.url.get_secret_value())
        password = make_url(self.database.url.get_secret_value()).password
        if password:
            found.append(str(password))
        return found


def _collect_secrets(model: StrictModel, found: list[str]) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value.values() if isinstance(value, dict) else [value]:
            if isinstance(item, SecretStr):
                found.append(item.get_secret_value())
            elif isinstance(item, StrictModel):
                _collect_secrets(item, found)
