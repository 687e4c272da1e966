"""The `hub` command: check, serve, db, config, connector, mapping, sandbox, token."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from hub.cli import (
    config_cmd,
    connector_cmd,
    db,
    mapping_cmd,
    people_cmd,
    sandbox_cmd,
    token_cmd,
)
from hub.cli.check import render, run_checks
from hub.cli.common import ConfigOption, load

app = typer.Typer(
    name="hub",
    help="Integration hub: every department keeps its tool, every tool shows the same truth.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(config_cmd.app, name="config")
app.add_typer(connector_cmd.app, name="connector")
app.add_typer(mapping_cmd.app, name="mapping")
app.add_typer(people_cmd.app, name="people")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(token_cmd.app, name="token")


@app.command()
def check(
    config: ConfigOption = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each tool")] = 20.0,
) -> None:
    """Validate the config, then try the database and each connector without changing anything."""
    loaded = load(config)
    rows = run_checks(loaded, timeout)
    render(rows)
    if not all(row.ok for row in rows):
        raise typer.Exit(code=1)


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="override server.host")] = None,
    port: Annotated[int | None, typer.Option(help="override server.port")] = None,
) -> None:
    """Run the API and webhook server (creates and upgrades the SQLite file on its own)."""
    from hub.cli.serve import serve as run  # uvicorn is only imported when serving

    run(load(config, required=False), host, port)


@app.command()
def sync(
    connector: Annotated[str, typer.Argument(help="connector id from the config")],
    config: ConfigOption = None,
    full: Annotated[bool, typer.Option("--full", help="read everything, not just changes")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report, write nothing")] = False,
    push: Annotated[bool, typer.Option(help="push resulting changes to the tools")] = True,
) -> None:
    """Poll one connector now (or backfill it with --full) and print what changed."""
    from hub.cli.sync_cmd import run_sync

    raise typer.Exit(code=run_sync(load(config), connector, full, dry_run, push))


@app.command()
def demo(
    directory: Annotated[Path, typer.Option(help="where the demo keeps its files (its data "
                                                 "is reset on each run)")] = Path(".demo"),
    port: Annotated[int, typer.Option(help="API port (a free one if taken)")] = 8080,
    script: Annotated[bool, typer.Option("--script/--no-script",
                                         help="play the day in the life, then stop; or "
                                              "leave everything running")] = True,
) -> None:
    """Run the hub on the embedded default (SQLite, one process) between sandboxes of Jira,
    Asana, BambooHR and a finance drop folder, and show a day in the life."""
    from hub.cli.demo_cmd import run_demo

    try:
        code = run_demo(directory, port, script)
    except KeyboardInterrupt:
        code = 130
    raise typer.Exit(code=code)


def main() -> None:
    """Console entry point."""
    # What is loaded by now (SQLAlchemy, pydantic, the hub's models) lives as long as the
    # process: the cyclic collector needn't walk it at each full collection again. And a
    # young generation of 5,000 objects, not 700: a backfill allocates millions (parsed
    # answers, rows), and its 1,500 collections cost it 15% of its time.
    gc.freeze()
    gc.set_threshold(5000, 10, 10)
    app()
