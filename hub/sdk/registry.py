"""Connector kinds found through the `hub.connectors` entry-point group.

One broken plugin is reported and the others still load (as Netflix dispatch does).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector

ENTRY_POINT_GROUP = "hub.connectors"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginFailure:
    """A connector plugin that could not be loaded, and why."""

    name: str
    target: str
    reason: str


@dataclass
class Registry:
    """The installed connector kinds."""

    kinds: dict[str, type[Connector[ConnectorConfig]]] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)

    def config_models(self) -> dict[str, type[ConnectorConfig]]:
        """Kind -> its config model, as the config loader needs it."""
        return {kind: cls.config_model for kind, cls in self.kinds.items()}

    def add(self, cls: type[Connector[ConnectorConfig]]) -> None:
        """Register a connector class directly (tests, embedded use)."""
        self.kinds[cls.kind] = cls


def discover(extra: Iterable[type[Connector[ConnectorConfig]]] = ()) -> Registry:
    """Load every connector kind registered under `hub.connectors`, plus `extra`."""
    registry = Registry()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = _load(ep)
        except Exception as exc:  # a plugin may fail in any way; the others must still load
            failure = PluginFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}")
            log.warning("connector plugin %s (%s) failed to load: %s",
                        failure.name, failure.target, failure.reason)
            registry.failures.append(failure)
            continue
        if cls.kind in registry.kinds and registry.kinds[cls.kind] is not cls:
            registry.failures.append(PluginFailure(
                ep.name, ep.value, f"kind {cls.kind!r} is already provided by "
                                   f"{registry.kinds[cls.kind].__module__}"))
            continue
        registry.kinds[cls.kind] = cls
    for cls in extra:
        registry.add(cls)
    return registry


def _load(ep: EntryPoint) -> type[Connector[ConnectorConfig]]:
    obj = ep.load()
    if not (isinstance(obj, type) and issubclass(obj, Connector)):
        raise TypeError(f"{ep.value} is not a Connector subclass")
    for attr in ("kind", "config_model"):
        if not hasattr(obj, attr):
            raise TypeError(f"{ep.value} does not declare `{attr}`")
    if not (isinstance(obj.config_model, type) and issubclass(obj.config_model, ConnectorConfig)):
        raise TypeError(f"{ep.value}.config_model is not a ConnectorConfig subclass")
    return obj


SANDBOX_GROUP = "hub.sandboxes"


class UnknownSandbox(LookupError):
    """No sandbox is installed for a kind, or its plugin failed to load."""


def sandbox_kinds() -> list[str]:
    """The kinds with a sandbox installed (entry points are read, nothing is imported)."""
    return sorted({ep.name for ep in entry_points(group=SANDBOX_GROUP)})


def load_sandbox(kind: str) -> type[Any]:
    """The sandbox class registered for `kind` under `hub.sandboxes`."""
    found = [ep for ep in entry_points(group=SANDBOX_GROUP) if ep.name == kind]
    if not found:
        known = ", ".join(sandbox_kinds()) or "none"
        raise UnknownSandbox(f"no sandbox is installed for {kind!r} (installed: {known})")
    try:
        obj = found[0].load()
    except Exception as exc:  # a plugin may fail in any way; say which and why
        raise UnknownSandbox(f"the {kind} sandbox ({found[0].value}) failed to load: "
                             f"{type(exc).__name__}: {exc}") from exc
    missing = [a for a in ("title", "default_port", "options", "from_options")
               if not hasattr(obj, a)]
    if not isinstance(obj, type) or missing:
        raise UnknownSandbox(f"{found[0].value} is not a sandbox class (it lacks "
                             f"{', '.join(missing) or 'a class'}; see hub.testing.served)")
    return obj
