"""The live parts the jobs need: config, database sessions, connectors and their mappings.

Jobs receive a `Runtime` and don't know whether they run embedded or on a job queue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.config.models import HubConfig
from hub.config.sync import EntitySync
from hub.errors import ConfigError, ConfigProblem
from hub.mapping import (
    Mapping,
    OverridesOrigin,
    TypeMapping,
    default_mapping_path,
    load_mapping,
)
from hub.model.enums import Entity
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector
from hub.sdk.registry import Registry
from hub.store.db import make_sessionmaker
from hub.sync.gates import Gate, OpenGate
from hub.sync.identity import Aliases
from hub.sync.pacing import IntakeLoad


@lru_cache(maxsize=64)
def _load_mapping(path: Path, overrides: str, origin: OverridesOrigin) -> Mapping:
    # Mappings are immutable once loaded: runtimes built from the same files share them.
    return load_mapping(path, json.loads(overrides), overrides_from=origin)


def mapping_file(config: HubConfig, settings: ConnectorConfig,
                 registry: Registry | None = None) -> Path | None:
    """The mapping a connector uses: its `mapping:` setting, else the one its kind ships
    (`Connector.default_mapping`, then the hub's `mappings/<kind>.yaml`); None if there is none."""
    if settings.mapping is not None:
        return settings.mapping if settings.mapping.is_absolute() \
            else config.base_dir / settings.mapping
    cls = registry.kinds.get(settings.kind) if registry is not None else None
    if cls is not None and cls.default_mapping is not None:
        return cls.default_mapping
    shipped = default_mapping_path(settings.kind)
    return shipped if shipped.exists() else None


def mapping_problems(config: HubConfig, config_file: str = "",
                     registry: Registry | None = None) -> list[ConfigProblem]:
    """What is wrong with the enabled connectors' mappings (a missing one, the files and
    `mapping_overrides`), so that a command can say so before it starts anything."""
    problems: list[ConfigProblem] = []
    for connector_id, settings in config.connectors.items():
        if not settings.enabled:
            continue
        found = mapping_file(config, settings, registry)
        hint = f"name a mapping file with mapping: (e.g. mapping: mappings/{settings.kind}.yaml)"
        if found is None:
            problems.append(ConfigProblem(
                config_file, None, f"connectors.{connector_id}",
                f'kind "{settings.kind}" ships no mapping, so its records can\'t be read; {hint}'))
            continue
        if settings.mapping is None and not found.exists():
            problems.append(ConfigProblem(
                config_file, None, f"connectors.{connector_id}",
                f'kind "{settings.kind}" names its mapping {found}, which is not there (is the '
                f"plugin installed whole?); {hint}"))
            continue
        try:
            _connector_mapping(config, connector_id, settings, config_file, registry)
        except ConfigError as exc:
            problems += exc.problems
    return problems


def overrides_origin(config: HubConfig, connector_id: str,
                     config_file: str = "") -> OverridesOrigin:
    """Where `connectors.<id>.mapping_overrides` is written in the config file."""
    at = ("connectors", connector_id, "mapping_overrides")
    return OverridesOrigin(config_file or "config", ".".join(at),
                           tuple(sorted(config.lines_under(*at).items(), key=str)))


def _connector_mapping(config: HubConfig, connector_id: str, settings: ConnectorConfig,
                       config_file: str = "", registry: Registry | None = None) -> Mapping:
    path = mapping_file(config, settings, registry)
    if path is None:
        raise ConfigError.single(config_file, f"connectors.{connector_id}",
                                 f'kind "{settings.kind}" ships no mapping; name one with '
                                 "mapping:")
    return _load_mapping(path, json.dumps(settings.mapping_overrides, sort_keys=True,
                                          default=str),
                         overrides_origin(config, connector_id, config_file))


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything a job needs, built once per process."""

    config: HubConfig
    registry: Registry
    engine: Engine
    clock: Callable[[], datetime] = _utcnow
    connectors: dict[str, Connector[ConnectorConfig]] = field(default_factory=dict)
    mappings: dict[str, Mapping] = field(default_factory=dict)
    #: connectors whose handshake secrets were read from the database
    secrets_loaded: set[str] = field(default_factory=set)
    #: who may touch a connector now (a runner sets its own: see hub.sync.gates)
    gate: Gate = field(default_factory=OpenGate)
    #: webhook deliveries this process is taking now (a drain beside them makes way)
    intake: IntakeLoad = field(default_factory=IntakeLoad)
    _rules: dict[Entity, EntitySync] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for connector_id, settings in self.config.connectors.items():
            if not settings.enabled:
                continue
            cls = self.registry.kinds[settings.kind]
            self.connectors[connector_id] = cls(connector_id, settings)
            self.mappings[connector_id] = _connector_mapping(self.config, connector_id,
                                                             settings, registry=self.registry)
            self.connectors[connector_id].use_mapping(self.mappings[connector_id])

    @cached_property
    def aliases(self) -> Aliases:
        """The people's aliases of the `sync:` section."""
        return Aliases(self.config.sync.aliases, list(self.config.connectors))

    def authority(self, connector_id: str, entity: Entity) -> tuple[str, ...]:
        """The fields of `entity` the connector's kind is the authority on (HR: people's)."""
        settings = self.config.connectors.get(connector_id)
        return tuple(type(settings).authority.get(entity.value, ())) if settings else ()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Session factory on the hub's database."""
        return make_sessionmaker(self.engine)

    def rules(self, entity: Entity) -> EntitySync:
        """The sync rules of one entity, with the default owners the connectors' kinds claim."""
        if entity not in self._rules:
            self._rules[entity] = self.config.sync_rules(entity)
        return self._rules[entity]

    def type_mapping(self, connector_id: str, remote_type: str) -> TypeMapping:
        """The mapping of one remote type of one connector."""
        return self.mappings[connector_id].for_type(remote_type)

    def entity_of(self, connector_id: str, remote_type: str) -> Entity | str:
        """The entity a remote type maps to, or the remote type when it maps to none."""
        mapping = self.mappings.get(connector_id)
        found = mapping.types.get(remote_type) if mapping else None
        return found.entity if found else remote_type

    def exchanges(self, connector_id: str, entity: Entity) -> bool:
        """Whether `connector_id` takes part in syncing `entity`."""
        allowed = self.rules(entity).connectors
        return allowed is None or connector_id in allowed

    def remote_type_for(self, connector_id: str, entity: Entity) -> str | None:
        """The remote type `connector_id` maps to `entity` (for creating mirrors)."""
        mapping = self.mappings.get(connector_id)
        if mapping is None:
            return None
        return next((t for t, m in mapping.types.items() if m.entity is entity), None)

    async def aclose(self) -> None:
        """Close every connector's connections."""
        for connector in self.connectors.values():
            await connector.aclose()
