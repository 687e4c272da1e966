"""What every command shares: the config option, consoles that never print a secret, and
loading the config with its connector kinds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hub.config.loader import load_config
from hub.config.models import HubConfig
from hub.errors import ConfigError
from hub.logs import configure
from hub.redact import REDACTOR
from hub.sdk.registry import Registry, discover

DEFAULT_CONFIG = "config.yaml"

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
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(code=2) from None
    REDACTOR.register(config.secrets())
    configure(config.logging.level, config.logging.format)
    return Loaded(config, registry, path)
