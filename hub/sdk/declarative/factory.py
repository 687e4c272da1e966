"""`declare()`: a manifest file made into a connector class, with a config model built from
its `settings:`, ready for the `hub.connectors` entry point:

    # acme_hub/__init__.py
    AcmeConnector = declare(Path(__file__).with_name("manifest.yaml"))

A manifest that doesn't validate raises `ConfigError` naming file, line and path, like the
config; checks that need more than the schema (references to settings, record types a feed
names) are made here too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, create_model

from hub.config.problems import validation_problems
from hub.config.source import Located, read_yaml
from hub.errors import ConfigError, ConfigProblem
from hub.sdk.config import ConnectorConfig
from hub.sdk.declarative import manifest as m
from hub.sdk.declarative.connector import DeclaredConnector
from hub.sdk.declarative.hooks import Hooks

_TYPES: dict[str, Any] = {"string": str, "secret": SecretStr, "integer": int, "number": float,
                          "boolean": bool, "list": list[str], "map": dict[str, str]}
_SETTING_REF = re.compile(r"\{config\.([a-zA-Z_]\w*)")
_BUILT_IN = set(ConnectorConfig.model_fields)


def load_manifest(path: Path) -> m.Manifest:
    """Read and validate a manifest; `ConfigError` lists every problem with its line."""
    located = read_yaml(path, env={})
    try:
        manifest = m.Manifest.model_validate(located.data)
    except ValidationError as exc:
        raise ConfigError(_located(exc, located)) from None
    problems = _references(manifest, located)
    if problems:
        raise ConfigError(problems)
    return manifest


def _located(exc: ValidationError, located: Located) -> list[ConfigProblem]:
    """pydantic's problems at the YAML's own paths: a discriminated union puts its tag into the
    error's location (`api.auth.bearer.token`), the file has none (`api.auth.token`)."""
    problems = []
    for error, problem in zip(exc.errors(include_url=False),
                              validation_problems(exc, located, (), m.Manifest), strict=True):
        loc: tuple[Any, ...] = ()
        for part in error["loc"]:
            here = _at(located.data, loc)
            if isinstance(here, dict) and part not in here and here.get("type") == part:
                continue  # the union's tag, not a key of the file
            loc = (*loc, part)
        message = problem.message.replace(" (expected one of: )",
                                          " (see `hub connector schema`)")
        problems.append(located.problem(loc, message))
    return problems


def _at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _references(manifest: m.Manifest, located: Located) -> list[ConfigProblem]:
    """Settings referred to but not declared; record types named but not described."""
    problems: list[ConfigProblem] = []
    known = set(manifest.settings) | _BUILT_IN

    def walk(node: Any, loc: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*loc, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*loc, index))
        elif isinstance(node, str):
            for name in _SETTING_REF.findall(node):
                if name not in known:
                    problems.append(located.problem(loc, f'refers to config.{name}, which is not '
                                                         f"a setting (declare it under settings:)"))

    walk({k: v for k, v in (located.data or {}).items() if k != "settings"}, ())
    named = [(("feed", "record_types"), manifest.feed.record_types if manifest.feed else {}),
             (("webhooks", "record_types"),
              manifest.webhooks.record_types if manifest.webhooks else {})]
    for loc, types in named:
        for event, remote_type in types.items():
            if remote_type not in manifest.records:
                problems.append(located.problem((*loc, event), f'"{remote_type}" is not a record '
                                                               f"type (records: "
                                                               f"{', '.join(manifest.records)})"))
    return problems


def config_model(manifest: m.Manifest) -> type[ConnectorConfig]:
    """The config model of a declared kind: every connector's settings plus the manifest's."""
    fields: dict[str, Any] = {"kind": (Literal[manifest.kind], Field(default=manifest.kind))}
    for name, setting in manifest.settings.items():
        required = setting.required if setting.required is not None else setting.default is None
        annotation = _TYPES[setting.type]
        default = ... if required else setting.default
        if not required and setting.default is None:
            annotation = annotation | None
        fields[name] = (annotation, Field(default=default, description=setting.description))
    name = "".join(p.title() for p in re.split(r"[-_]", manifest.kind)) + "Config"
    return create_model(name, __base__=ConnectorConfig, __doc__=manifest.description or None,
                        **fields)


def declare(path: Path | str, *, hooks: str | None = None) -> type[DeclaredConnector]:
    """The connector class a manifest describes (hooks from the manifest's `hooks:` module
    unless given)."""
    path = Path(path)
    manifest = load_manifest(path)
    name = "".join(p.title() for p in re.split(r"[-_]", manifest.kind)) + "Connector"
    return type(name, (DeclaredConnector,), {
        "__doc__": manifest.description or f"The declared {manifest.kind} connector.",
        "__module__": manifest.hooks or f"{__name__}:{path.name}",
        "kind": manifest.kind,
        "config_model": config_model(manifest),
        "remote_types": {t: spec.entity for t, spec in manifest.records.items()},
        "default_mapping": path.parent / manifest.mapping if manifest.mapping else None,
        "manifest": manifest,
        "hooks": Hooks.load(hooks or manifest.hooks),
    })


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of a manifest, for editors."""
    schema = m.Manifest.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Integration hub connector manifest"
    return schema
