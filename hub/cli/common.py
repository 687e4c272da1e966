"""What every command shares: the config option, consoles that never print a secret, and
loading the config with its connector kinds."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from hub.config.loader import load_config
from hub.config.models import HubConfig
from hub.errors import ConfigError
from hub.logs import configure
from hub.redact import REDACTOR
from hub.sdk.registry import Registry, discover
from hub.store import migrate
from hub.store.db import is_sqlite, make_engine
from hub.sync.runtime import mapping_problems

DEFAULT_CONFIG = "config.yaml"
log = logging.getLogger("hub")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="config file [env HUB_CONFIG; default config.yaml]",
                 show_default=False),
]


class SafeConsole(Console):
    """A rich console that masks every registered secret in what it prints."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        with self.capture() as capture:
            super().print(*objects, **kwargs)
        self.file.write(REDACTOR(capture.get()))


out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Loaded:
    """A validated config and the connector kinds it was validated against."""

    config: HubConfig
    registry: Registry
    path: Path | None


def config_path(option: Path | None) -> Path:
    """The config file to use: the option, then HUB_CONFIG, then ./config.yaml."""
    return option or Path(os.environ.get("HUB_CONFIG", DEFAULT_CONFIG))


def load(option: Path | None, *, required: bool = True) -> Loaded:
    """Load and validate the config; on problems print them one a line and exit with code 2.

    With `required=False`, a missing default file means the embedded defaults.
    """
    registry = discover()
    for failure in registry.failures:
        err.print(f"warning: connector plugin {failure.name} ({failure.target}) failed to load: "
                  f"{failure.reason}", markup=False)
    path = config_path(option)
    if not required and option is None and "HUB_CONFIG" not in os.environ and not path.exists():
        return Loaded(HubConfig(), registry, None)
    try:
        config = load_config(path, registry.config_models())
        if problems := mapping_problems(config, str(path), registry):
            raise ConfigError(problems)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(code=2) from None
    REDACTOR.register(config.secrets())
    configure(config.logging.level, config.logging.format)
    return Loaded(config, registry, path)


def open_database(config: HubConfig) -> Engine:
    """An engine on the configured database, migrated first where that is the default
    (SQLite: a new user never runs a migration by hand)."""
    url = config.database.url.get_secret_value()
    engine = make_engine(url)
    auto = config.database.auto_upgrade
    if auto if auto is not None else is_sqlite(url):
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
        if before != after:
            log.info("database %s upgraded: %s -> %s", config.database.display_url,
                     before or "empty", after)
    elif migrate.current_revision(engine) != migrate.head_revision(engine):
        log.warning("database schema is behind the code: run `hub db upgrade`; "
                    "/readyz answers 503 until then")
    return engine
