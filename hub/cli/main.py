"""The `hub` command: check, serve, worker, sync, db, config, connector, mapping, sandbox,
token."""

from __future__ import annotations

import gc
import platform
from pathlib import Path
from typing import Annotated

import typer

import hub
from hub.cli import (
    config_cmd,
    conflicts_cmd,
    connector_cmd,
    db,
    health_cmd,
    mapping_cmd,
    people_cmd,
    rules_cmd,
    sandbox_cmd,
    token_cmd,
)
from hub.cli.check import render, run_checks
from hub.cli.common import ConfigOption, JsonOption, load, print_json

app = typer.Typer(
    name="hub",
    help="Integration hub: every department keeps its tool, every tool shows the same truth.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hub {hub.__version__} (Python {platform.python_version()})")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="print the hub's version and exit")] = False) -> None:
    """Integration hub: every department keeps its tool, every tool shows the same truth."""


app.add_typer(db.app, name="db")
app.add_typer(config_cmd.app, name="config")
app.add_typer(connector_cmd.app, name="connector")
app.add_typer(mapping_cmd.app, name="mapping")
app.add_typer(people_cmd.app, name="people")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(token_cmd.app, name="token")
app.add_typer(conflicts_cmd.app, name="conflicts")
app.add_typer(health_cmd.quarantine_app, name="quarantine")
app.add_typer(health_cmd.pushes_app, name="pushes")
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(rules_cmd.notifications_app, name="notifications")


@app.command()
def check(
    config: ConfigOption = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each tool")] = 20.0,
    as_json: JsonOption = False,
) -> None:
    """Validate the config, then try the database and each connector without changing anything."""
    loaded = load(config)
    rows = run_checks(loaded, timeout)
    if as_json:
        print_json({"ok": all(row.ok for row in rows), "checks": [
            {"name": r.name, "kind": r.kind, "ok": r.ok, "detail": r.detail,
             "seconds": round(r.seconds, 3)} for r in rows]})
    else:
        render(rows)
    if not all(row.ok for row in rows):
        raise typer.Exit(code=1)


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="override server.host")] = None,
    port: Annotated[int | None, typer.Option(help="override server.port")] = None,
    no_workers: Annotated[bool, typer.Option(
        "--no-workers", help="serve only; `hub worker` processes run the jobs (PostgreSQL; "
                             "the same as `runner: queue`)")] = False,
    processes: Annotated[int, typer.Option(
        "--processes", min=1, max=64, help="serving processes sharing the port, each a "
                                           "stateless API replica (needs --no-workers)")] = 1,
) -> None:
    """Run the API and webhook server (creates and upgrades the SQLite file on its own)."""
    from hub.cli.serve import serve as run  # uvicorn is only imported when serving

    raise typer.Exit(code=run(load(config), host, port, no_workers, processes))


@app.command()
def worker(
    config: ConfigOption = None,
    concurrency: Annotated[int | None, typer.Option(
        min=1, max=256, help="jobs run at once [default: queue.concurrency]")] = None,
    alive_file: Annotated[Path | None, typer.Option(
        help="touched every second while the worker runs (for a container's health check)")]
        = None,
) -> None:
    """Run the hub's jobs (polls, deliveries, pushes, scans, reports) from the job queue, beside
    any number of other workers and `hub serve --no-workers` processes (PostgreSQL)."""
    from hub.cli.worker_cmd import run_worker

    raise typer.Exit(code=run_worker(load(config), concurrency, alive_file))


@app.command()
def sync(
    connector: Annotated[str, typer.Argument(help="connector id from the config")],
    config: ConfigOption = None,
    full: Annotated[bool, typer.Option("--full", help="read everything, not just changes")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report, write nothing")] = False,
    push: Annotated[bool, typer.Option(help="push resulting changes to the tools")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (with --dry-run: every "
                                                         "change, field by field)")] = False,
) -> None:
    """Poll one connector now (or backfill it with --full) and print what changed.

    Exit codes:
    0 everything read was applied;
    1 the poll failed and nothing more was applied;
    2 a usage or config error;
    3 partly applied: some sources of a finance connector were applied;
    the failed ones are named on stderr and read again at the next poll.
    """
    from hub.cli.sync_cmd import run_sync

    raise typer.Exit(code=run_sync(load(config), connector, full, dry_run, push, as_json))


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
