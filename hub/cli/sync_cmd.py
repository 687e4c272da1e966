"""`hub sync CONNECTOR`: one poll (or a full backfill) now, in the foreground, with a summary."""

from __future__ import annotations

import asyncio
from dataclasses import fields

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.common import Loaded, err, open_database, out
from hub.errors import HubError
from hub.sdk.connector import PollPage
from hub.sync.batch import Tally
from hub.sync.jobs import PushOutcome, poll_connector, push_due
from hub.sync.reports import publish_reports
from hub.sync.runtime import Runtime


def run_sync(loaded: Loaded, connector_id: str, full: bool, dry_run: bool, push: bool) -> int:
    """Poll one connector now; returns the exit code."""
    config = loaded.config
    if connector_id not in config.connectors:
        known = ", ".join(sorted(config.connectors)) or "none"
        err.print(f"no connector {connector_id!r} in the config (configured: {known})",
                  markup=False)
        return 2
    if not config.connectors[connector_id].enabled:
        err.print(f"connector {connector_id!r} is disabled (enabled: false)", markup=False)
        return 2
    engine = open_database(config)
    try:
        rt = Runtime(config, loaded.registry, engine)
        tally, pushes = asyncio.run(_sync(rt, connector_id, full, dry_run, push))
    except HubError as exc:
        err.print(f"{connector_id}: {exc}", markup=False)
        return 1
    finally:
        engine.dispose()
    _summary(connector_id, tally, pushes, dry_run)
    return 0


async def _sync(rt: Runtime, connector_id: str, full: bool, dry_run: bool,
                push: bool) -> tuple[Tally, list[PushOutcome]]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed} records"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(f"{'backfill' if full else 'poll'} {connector_id}",
                                     total=None)

            def on_page(page: PollPage, tally: Tally) -> None:
                progress.advance(task, len(page.records))

            tally = await poll_connector(rt, connector_id, full=full, dry_run=dry_run,
                                         on_page=on_page)
            pushes: list[PushOutcome] = []
            if push and not dry_run:
                progress.update(task, description="pushing to the tools")
                pushes = await push_due(rt)
                for other, connector in rt.connectors.items():
                    if connector.reports():  # reports built from what changed (portfolio)
                        progress.update(task, description=f"reports of {other}")
                        await publish_reports(rt, other)
        return tally, pushes
    finally:
        await rt.aclose()


def _summary(connector_id: str, tally: Tally, pushes: list[PushOutcome], dry_run: bool) -> None:
    title = f"{connector_id}: {'would change (dry run, nothing written)' if dry_run else 'synced'}"
    table = Table(title=title)
    table.add_column("")
    table.add_column("records", justify="right")
    for f in fields(tally):
        table.add_row(f.name.replace("_", " "), str(getattr(tally, f.name)))
    if not dry_run:
        table.add_row("pushed", str(sum(1 for o in pushes if o.state in ("done", "partial"))))
        # A refused or postponed push must not hide behind a successful poll.
        for state, label in (("partial", "push partly refused"), ("failed", "push failed"),
                             ("retry", "push retrying")):
            count = sum(1 for o in pushes if o.state == state)
            if count:
                table.add_row(label, str(count))
    out.print(table)
    for outcome in pushes:
        if outcome.state in ("failed", "retry", "partial"):
            what = {"failed": "failed", "retry": "postponed",
                    "partial": "written but for refused fields (tried again later)"}
            err.print(f"push {what[outcome.state]}: {outcome.detail}", markup=False)
