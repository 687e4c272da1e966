"""Load `config.yaml`: YAML with lines, environment, then validation per connector kind.

Every problem becomes one line: `config.yaml:14 connectors.rd-jira.poll.every: "2 minutes" is
not a duration (try 2m, 90s, 1h)`. All problems are reported at once, not just the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.config.models import CONNECTOR_ID, HubConfig
from hub.config.problems import validation_problems
from hub.config.references import sync_reference_problems
from hub.config.rule_references import rule_reference_problems
from hub.config.source import Loc, Located, read_yaml
from hub.errors import ConfigError, ConfigProblem
from hub.sdk.config import ConnectorConfig


def load_config(path: Path | str, kinds: Mapping[str, type[ConnectorConfig]],
                env: Mapping[str, str] | None = None) -> HubConfig:
    """Read and validate a config file; `kinds` maps each installed connector kind to its model.

    Raises `ConfigError` listing every problem found.
    """
    path = Path(path)
    located = read_yaml(path, env)
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([located.problem((), "the top level must be a mapping of sections")])
    problems: list[ConfigProblem] = []
    raw_connectors = data.get("connectors") or {}
    top = {k: v for k, v in data.items() if k != "connectors"}
    config: HubConfig | None = None
    try:
        config = HubConfig.model_validate({**top, "base_dir": path.parent})
    except ValidationError as exc:
        problems += validation_problems(exc, located, (), HubConfig)
    connectors: dict[str, ConnectorConfig] = {}
    if not isinstance(raw_connectors, dict):
        problems.append(located.problem(("connectors",), "must be a mapping of id -> settings"))
        raw_connectors = {}
    for connector_id, raw in raw_connectors.items():
        loc: Loc = ("connectors", connector_id)
        validated = _connector(connector_id, raw, loc, located, kinds, problems, path.parent)
        if validated is not None:
            connectors[connector_id] = validated
    if config is not None:
        problems += sync_reference_problems(config, set(raw_connectors), located)
        problems += rule_reference_problems(config, set(raw_connectors), located)
        if config.runner == "queue" and config.database.is_sqlite:
            problems.append(located.problem(("runner",), QUEUE_NEEDS_POSTGRES))
    if problems or config is None:
        raise ConfigError(problems)
    config = config.model_copy(update={"connectors": connectors})
    config._lines = dict(located.lines)
    return config


QUEUE_NEEDS_POSTGRES = ("queue needs PostgreSQL, and database.url is SQLite (set database.url "
                        "to postgresql://..., or runner: embedded)")


def _connector(connector_id: Any, raw: Any, loc: Loc, located: Located,
               kinds: Mapping[str, type[ConnectorConfig]],
               problems: list[ConfigProblem], base_dir: Path) -> ConnectorConfig | None:
    if not isinstance(connector_id, str) or not CONNECTOR_ID.match(connector_id):
        problems.append(located.problem(loc, "is not a valid connector id (lower-case letters, "
                                              "digits, - and _, starting with a letter)"))
        return None
    if not isinstance(raw, dict):
        problems.append(located.problem(loc, "must be a mapping with at least `kind`"))
        return None
    kind = raw.get("kind")
    if kind is None:
        problems.append(located.problem(loc, f"`kind` is required (one of: {_names(kinds)})"))
        return None
    model = kinds.get(str(kind))
    if model is None:
        hint = difflib.get_close_matches(str(kind), list(kinds), n=1)
        guess = f'did you mean "{hint[0]}"? ' if hint else ""
        problems.append(located.problem(
            (*loc, "kind"), f'"{kind}" is not an installed connector kind '
                            f"({guess}installed: {_names(kinds)})"))
        return None
    try:
        # Connector settings that name files resolve them from the config file's directory.
        return model.model_validate(raw, context={"base_dir": base_dir})
    except ValidationError as exc:
        problems += validation_problems(exc, located, loc, model)
        return None


def _names(kinds: Mapping[str, Any]) -> str:
    return ", ".join(sorted(kinds)) or "none"
