"""`hub connector ...`: tools for connector authors: the manifest's JSON Schema, checking a
manifest, and a new plugin package from the scaffold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import err, out
from hub.errors import ConfigError

app = typer.Typer(help="Write connectors: manifest schema and checks, a new plugin package.",
                  no_args_is_help=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a declared connector's manifest (for editor completion)."""
    from hub.sdk.declarative import manifest_schema

    out.print(json.dumps(manifest_schema(), indent=2), markup=False)


@app.command()
def check(manifest: Annotated[Path, typer.Argument(help="the manifest YAML file")]) -> None:
    """Validate a manifest: every problem with its file, line and path; exit 2 if any."""
    from hub.sdk.declarative import load_manifest

    try:
        found = load_manifest(manifest)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(code=2) from None
    out.print(f"{manifest}: kind {found.kind}, records: {', '.join(found.records)}",
              markup=False)


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="the connector kind, e.g. clickup")],
    directory: Annotated[Path | None, typer.Option(
        help="where the package goes (default: ./hub-<name>)", show_default=False)] = None,
) -> None:
    """Write a working plugin package for a new tool: a declared connector (manifest, hooks,
    mapping), a sandbox of its API, the conformance test, and the entry points. It passes its
    own tests as generated; then make it the real tool's."""
    from hub.scaffold import Names, check_name, write

    problem = check_name(name)
    if problem:
        err.print(problem, markup=False)
        raise typer.Exit(code=2)
    names = Names(name)
    target = directory or Path(names.dist)
    if target.exists():
        err.print(f"{target} already exists: choose another --directory", markup=False)
        raise typer.Exit(code=2)
    written = write(names, target)
    out.print(f"wrote {len(written)} files to {target}:", markup=False)
    for path in written:
        out.print(f"  {path}", markup=False)
    out.print(f"next: pip install -e {target} && pytest {target}/tests && "
              f"hub sandbox {name}", markup=False)
