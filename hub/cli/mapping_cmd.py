"""`hub mapping try`: see what a connector's mapping makes of one remote payload.

Reads the config (if any) and a JSON file; never touches the database or the tool.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table
from rich.text import Text

from hub.cli.common import ConfigOption, err, load, out
from hub.errors import ConfigError, HubError
from hub.mapping import (
    Lookups,
    Mapping,
    MappingError,
    OverridesOrigin,
    TypeMapping,
    default_mapping_path,
    load_mapping,
    parse_path,
    to_json,
)
from hub.mapping.paths import PathSyntaxError
from hub.sync.runtime import mapping_file, overrides_origin

app = typer.Typer(help="Try connector mappings on sample payloads.", no_args_is_help=True)


@app.command("try")
def try_(
    connector: Annotated[str, typer.Argument(
        metavar="CONNECTOR",
        help="connector id from the config, or a connector kind with a shipped mapping")],
    payload: Annotated[Path, typer.Argument(
        metavar="PAYLOAD.json", help="JSON file: one record as the tool sends it, or a "
                                     "captured webhook body")],
    config: ConfigOption = None,
    remote_type: Annotated[str | None, typer.Option(
        "--type", help="remote type of the payload (needed when the mapping has several)",
        show_default=False)] = None,
    at: Annotated[str | None, typer.Option(
        "--at", help="where the record is inside the payload, as a path (e.g. issue)",
        show_default=False)] = None,
    lookups_file: Annotated[Path | None, typer.Option(
        "--lookups", help="JSON file of lookup tables ({table: {id: value}}); default: read "
                          "from the tool (the connector's own read-only calls)",
        show_default=False)] = None,
) -> None:
    """Map PAYLOAD to canonical values with CONNECTOR's mapping and print them.

    A webhook body the tool wraps records in (Jira's `issue`, an Asana API answer's `data`)
    is unwrapped. Exits 1 with the reasons when the payload can't be mapped (what the hub
    would quarantine), or when nothing in it maps.
    """
    mapping = _mapping_for(connector, config)
    record = _read_payload(payload)
    if at is not None:
        record = _inside(record, at, f"{payload}: nothing at --at {at}")
    elif (opened := mapping.unwrap(record)) is not None:
        envelope, inside = opened
        if envelope.hint is not None:
            err.print(f"{payload}: {envelope.hint.format(value=inside)}", markup=False)
            raise typer.Exit(code=1)
        record = _inside(record, str(envelope.at), f"{payload}: {envelope.at} is not a record")
        remote_type = remote_type or envelope.remote_type
        err.print(f"{payload}: a {mapping.kind} webhook or API body ({envelope.when}); the "
                  f"record is at {envelope.at}", markup=False)
    type_mapping = _pick_type(mapping, remote_type)
    lookups = _lookups(connector, config, lookups_file) if type_mapping.lookups else None
    try:
        normalised = type_mapping.inbound(record, lookups)
    except MappingError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(code=1) from None
    if not normalised.values:
        err.print(f"{payload}: nothing in it maps to a {type_mapping.entity.value} "
                  f"({mapping.kind} {type_mapping.remote_type}: {_nowhere(type_mapping, record)})",
                  markup=False)
        raise typer.Exit(code=1)
    table = Table(title=f"{mapping.kind} {type_mapping.remote_type} -> {type_mapping.entity}")
    for column in ("canonical field", "value", "from"):
        table.add_column(column)
    via = {r.name: r.lookup for r in type_mapping.rules if r.lookup}
    for name, value in normalised.values.items():
        source = normalised.sources[name]
        if name in via and source != "default":
            source += f" (lookup {via[name]})"
        table.add_row(Text(name), Text(_display(value)), Text(source))
    out.print(table)
    missing = [r.name for r in type_mapping.rules if r.reads and r.name not in normalised.values]
    if missing:
        out.print(f"not in the payload: {', '.join(missing)}", markup=False)


def _inside(record: dict[str, Any], path: str, missing: str) -> dict[str, Any]:
    try:
        found = parse_path(path).read(record)
    except PathSyntaxError as exc:
        _fail(f"--at {path}: is not a path ({exc})")
    if not isinstance(found, dict):
        err.print(missing, markup=False)
        raise typer.Exit(code=1)
    return found


def _nowhere(type_mapping: TypeMapping, record: dict[str, Any]) -> str:
    """Where in `record` the mapping would find something, as advice; else what it reads."""
    best: tuple[int, str] = (0, "")
    for path, inside in _objects(record, "", depth=3):
        try:
            found = len(type_mapping.inbound(inside).values)
        except MappingError:
            found = 1  # something there is read, if not mapped cleanly
        best = max(best, (found, path))
    if best[0]:
        return f"the record looks to be under {best[1]} ({best[0]} fields map there): try " \
               f"--at {best[1]}"
    reads = sorted({str(r.path) for r in type_mapping.rules if r.reads})
    return f"none of the paths it reads is there ({', '.join(reads[:6])}" \
           f"{', ...' if len(reads) > 6 else ''}): is the payload the tool's " \
           f"{type_mapping.remote_type}?"


def _objects(value: Any, path: str, depth: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The JSON objects nested in `value` (the first element of lists), with their paths."""
    if depth == 0:
        return
    items = value.items() if isinstance(value, dict) else []
    for key, inner in items:
        if not isinstance(key, str) or not key.isidentifier():
            continue
        here = f"{path}.{key}" if path else key
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            here, inner = f"{here}[0]", inner[0]
        if isinstance(inner, dict):
            yield here, inner
            yield from _objects(inner, here, depth - 1)


def _fail(message: str) -> NoReturn:
    err.print(message, markup=False)
    raise typer.Exit(code=2)


def _mapping_for(connector: str, option: Path | None) -> Mapping:
    """The connector's mapping with its overrides, else the shipped mapping of kind `connector`."""
    loaded = load(option, announce_defaults=False)  # a shipped mapping needs no config
    settings = loaded.config.connectors.get(connector)
    overrides: dict[str, Any] = {}
    origin = OverridesOrigin("mapping_overrides", "")
    if settings is not None:
        found = mapping_file(loaded.config, settings, loaded.registry)
        if found is None:
            _fail(f'connector {connector} (kind "{settings.kind}") has no mapping; name one '
                  "with mapping: in its settings")
        path = found
        overrides = settings.mapping_overrides
        origin = overrides_origin(loaded.config, connector, str(loaded.path))
    else:
        shipped = _shipped(connector)
        if shipped is None:
            where = f"in {loaded.path}" if loaded.path else "(no config file)"
            ids = ", ".join(sorted(loaded.config.connectors)) or "none"
            _fail(f'"{connector}" is not a connector {where} (connectors: {ids}) nor a connector '
                  f"kind with a shipped mapping (kinds: {', '.join(_shipped_kinds()) or 'none'})")
        path = shipped
    try:
        mapping = load_mapping(path, overrides, overrides_from=origin)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(code=2) from None
    if settings is not None and mapping.kind != settings.kind:
        _fail(f'{path} is a mapping for kind "{mapping.kind}", but connector {connector} is '
              f'kind "{settings.kind}"')
    return mapping


def _lookups(connector: str, option: Path | None, file: Path | None) -> Lookups:
    """Lookup tables from `file`, else as the configured connector reads them from its tool."""
    if file is not None:
        data = _read_payload(file)
        tables = Lookups()
        for name, entries in data.items():
            if not isinstance(entries, dict):
                _fail(f"{file}: {name} must be an object of id -> value")
            tables.table(name).update(entries)
        return tables
    loaded = load(option, announce_defaults=False)
    settings = loaded.config.connectors.get(connector)
    if settings is None:
        _fail(f"the {connector} mapping looks ids up in tables its connector reads from the "
              "tool: name a configured connector, or give the tables with --lookups FILE.json")
    made = loaded.registry.kinds[settings.kind](connector, settings)

    async def read() -> Lookups:
        try:
            await made.refresh_lookups()
        finally:
            await made.aclose()
        return made.lookups

    try:
        return asyncio.run(read())
    except HubError as exc:
        _fail(f"{connector}: could not read its lookup tables: {exc} (give them with "
              "--lookups FILE.json)")


def _shipped(kind: str) -> Path | None:
    try:
        path = default_mapping_path(kind)
    except ValueError:
        return None
    return path if path.is_file() else None


def _shipped_kinds() -> list[str]:
    return sorted(p.stem for p in default_mapping_path("fake").parent.glob("*.yaml"))


def _pick_type(mapping: Mapping, remote_type: str | None) -> TypeMapping:
    if remote_type is not None:
        try:
            return mapping.for_type(remote_type)
        except MappingError as exc:
            _fail(str(exc))
    if len(mapping.types) == 1:
        return next(iter(mapping.types.values()))
    _fail(f"the {mapping.kind} mapping has several remote types "
          f"({', '.join(mapping.types)}); choose one with --type")


def _read_payload(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{path}: cannot be read: {exc.strerror or exc}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{path}: is not valid JSON: {exc}")
    if not isinstance(data, dict):
        _fail(f"{path}: must hold one JSON object (the record as the tool sends it)")
    return data


def _display(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value) if value else "[]"
    shown = to_json(value)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)
