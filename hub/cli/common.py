"""What every command shares: the config option, consoles that never print a secret, and
loading the config with its connector kinds."""

from __future__ import annotations

import getpass
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.auth.principal import Principal
from hub.config.loader import load_config
from hub.config.models import DatabaseConfig, HubConfig
from hub.errors import ConfigError
from hub.logs import configure
from hub.redact import REDACTOR
from hub.sdk.registry import Registry, discover
from hub.store import migrate
from hub.store.auth import Role
from hub.store.db import is_sqlite, make_engine
from hub.sync.runtime import mapping_problems

DEFAULT_CONFIG = "config.yaml"
log = logging.getLogger("hub")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="config file [env HUB_CONFIG; default config.yaml]",
                 show_default=False),
]


JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


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


def load(option: Path | None, *, announce_defaults: bool = True) -> Loaded:
    """Load and validate the config; on problems print them one a line and exit with code 2.

    With no -c and no HUB_CONFIG, a missing ./config.yaml means the embedded defaults, and
    every command says so (unless `announce_defaults` is off: a command that needs no
    config): `hub check` and `hub serve` agree on what they use.
    """
    registry = discover()
    for failure in registry.failures:
        err.print(f"warning: connector plugin {failure.name} ({failure.target}) failed to load: "
                  f"{failure.reason}", markup=False)
    path = config_path(option)
    if option is None and "HUB_CONFIG" not in os.environ and not path.exists():
        defaults = HubConfig()
        if announce_defaults:
            err.print(f"no config file ({path.resolve()} does not exist, HUB_CONFIG is not "
                      f"set): using the defaults, database {defaults.database.display_url} and "
                      "no connectors (start from config.example.yaml, or name a file with -c)",
                      markup=False)
        return Loaded(defaults, registry, None)
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


def database_failure(database: DatabaseConfig, exc: SQLAlchemyError) -> str:
    """One line on a database the hub can't use: which one (host, never the password), the
    driver's own first line (refused, unknown host, bad password), and what to check."""
    orig = getattr(exc, "orig", None)
    reason = (str(orig) if orig is not None else str(exc)).strip().splitlines() or [
        type(exc).__name__]
    words = reason[0].removeprefix("connection failed: ").rstrip(".")
    return f"database {database.display_url} can't be used: {words} (check database.url)"


@contextmanager
def database_errors(database: DatabaseConfig) -> Iterator[None]:
    """Turn a database that can't be reached or read into one line and exit code 1."""
    try:
        yield
    except SQLAlchemyError as exc:
        err.print(database_failure(database, exc), markup=False)
        raise typer.Exit(code=1) from None


def open_database(config: HubConfig) -> Engine:
    """An engine on the configured database, migrated first where that is the default
    (SQLite: a new user never runs a migration by hand). A database that can't be reached
    is one line on stderr and exit code 1, not a traceback."""
    url = config.database.url.get_secret_value()
    engine = make_engine(url)
    auto = config.database.auto_upgrade
    with database_errors(config.database):
        try:
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
        except SQLAlchemyError:
            engine.dispose()
            raise
    return engine


def operator() -> Principal:
    """Whoever runs `hub` at the console: an admin (they hold the config and the database),
    recorded as `cli:<user>`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a uid with no name (a container run with --user 1000)
        user = f"uid-{os.getuid()}"
    return Principal(token_id="cli", name=user, role=Role.admin,  # noqa: S106
                     channel="cli")


def print_json(data: Any) -> None:
    """JSON for scripts, on stdout, secrets masked like every other output."""
    out.print(json.dumps(data, indent=2, ensure_ascii=False, default=str), markup=False)


def show_items(items: list[dict[str, Any]], *, as_json: bool, empty: str, title: str,
               columns: Sequence[str], row: Callable[[dict[str, Any]], Sequence[str]],
               hint: str = "") -> None:
    """A listing: JSON (`{"items": [...]}`), a sentence when there is nothing, else a table
    whose first column, the id, is never cut; `hint` says what to do next."""
    if as_json:
        print_json({"items": items})
        return
    if not items:
        out.print(empty, markup=False)
        return
    table = Table(title=title)
    table.add_column(columns[0], no_wrap=True, min_width=26)
    for column in columns[1:]:
        table.add_column(column)
    for item in items:
        table.add_row(*row(item))
    out.print(table)
    if hint:
        out.print(hint, markup=False)
