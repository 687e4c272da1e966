"""`hub sync CONNECTOR`: one poll (or a full backfill) now, in the foreground, with a summary.

Exit codes: 0 everything read was applied; 1 the poll failed and nothing more was applied;
2 a usage or config error; 3 partly applied: some parts of the connector's scope (a finance
connector's sources) were applied, others failed and are named on stderr.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.common import Loaded, err, open_database, out
from hub.errors import HubError, PartlyApplied
from hub.sdk.connector import PollPage
from hub.sync.batch import Tally
from hub.sync.jobs import PushOutcome, poll_connector, push_due
from hub.sync.reports import publish_reports
from hub.sync.runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTLY = 0, 1, 2, 3


@dataclass
class SyncReport:
    """What one `hub sync` did: the poll's tally, per part of the scope where the connector
    has parts, the parts that failed (with their reasons), and the pushes that followed."""

    total: Tally = field(default_factory=Tally)
    parts: dict[str, Tally] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)
    pushes: list[PushOutcome] = field(default_factory=list)

    def count(self, page: PollPage, tally: Tally) -> None:
        """Add one ingested page."""
        self.total.add(tally)
        if page.part is not None:
            self.parts.setdefault(page.part, Tally()).add(tally)


def run_sync(loaded: Loaded, connector_id: str, full: bool, dry_run: bool, push: bool) -> int:
    """Poll one connector now; returns the exit code."""
    config = loaded.config
    if connector_id not in config.connectors:
        known = ", ".join(sorted(config.connectors)) or "none"
        err.print(f"no connector {connector_id!r} in the config (configured: {known})",
                  markup=False)
        return EXIT_USAGE
    if not config.connectors[connector_id].enabled:
        err.print(f"connector {connector_id!r} is disabled (enabled: false)", markup=False)
        return EXIT_USAGE
    engine = open_database(config)
    try:
        rt = Runtime(config, loaded.registry, engine)
        report = asyncio.run(_sync(rt, connector_id, full, dry_run, push))
    except HubError as exc:
        err.print(f"{connector_id}: {exc}", markup=False)
        return EXIT_FAILED
    finally:
        engine.dispose()
    _summary(connector_id, report, dry_run)
    for part, reason in report.failed.items():
        err.print(f"{connector_id}: {part} not applied: {reason}", markup=False)
    if report.failed:
        return EXIT_PARTLY if report.applied else EXIT_FAILED
    return EXIT_OK


async def _sync(rt: Runtime, connector_id: str, full: bool, dry_run: bool,
                push: bool) -> SyncReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed} records"), TimeElapsedColumn())
    report = SyncReport()
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task(f"{'backfill' if full else 'poll'} {connector_id}",
                                     total=None)

            def on_page(page: PollPage, tally: Tally) -> None:
                report.count(page, tally)
                progress.advance(task, len(page.records))

            try:
                await poll_connector(rt, connector_id, full=full, dry_run=dry_run,
                                     on_page=on_page)
            except PartlyApplied as partial:
                # What the other parts brought is committed: it is reported and pushed.
                report.failed = {part: str(e) for part, e in partial.failed.items()}
                report.applied = partial.applied
            if push and not dry_run and (report.applied or not report.failed):
                progress.update(task, description="pushing to the tools")
                report.pushes = await push_due(rt)
                for other, connector in rt.connectors.items():
                    if connector.reports():  # reports built from what changed (portfolio)
                        progress.update(task, description=f"reports of {other}")
                        await publish_reports(rt, other)
        return report
    finally:
        await rt.aclose()


def _summary(connector_id: str, report: SyncReport, dry_run: bool) -> None:
    failed = ", ".join(report.failed)
    if dry_run:
        title = f"{connector_id}: would change (dry run, nothing written)"
    elif report.failed:
        title = f"{connector_id}: {'partly synced' if report.applied else 'not synced'} " \
                f"({failed} failed)"
    else:
        title = f"{connector_id}: synced"
    parts = [*report.parts, *(p for p in report.failed if p not in report.parts)]
    by_part = len(parts) > 1 or bool(report.failed)
    table = Table(title=title)
    table.add_column("")
    for part in parts if by_part else ():
        table.add_column(part, justify="right")
    table.add_column("records" if not by_part else "total", justify="right")
    if by_part:
        table.add_row("applied", *("no" if p in report.failed else "yes" for p in parts), "")
    for f in fields(Tally):
        tallies = [report.parts.get(p) for p in parts] if by_part else []
        cells = [str(getattr(t, f.name)) if t else "-" for t in tallies]  # -: read nothing
        table.add_row(f.name.replace("_", " "), *cells, str(getattr(report.total, f.name)))
    if not dry_run:
        blank = [""] * (len(parts) if by_part else 0)
        pushes = report.pushes
        table.add_row("pushed", *blank,
                      str(sum(1 for o in pushes if o.state in ("done", "partial"))))
        # A refused or postponed push must not hide behind a successful poll.
        for state, label in (("partial", "push partly refused"), ("failed", "push failed"),
                             ("retry", "push retrying")):
            count = sum(1 for o in pushes if o.state == state)
            if count:
                table.add_row(label, *blank, str(count))
    out.print(table)
    for outcome in report.pushes:
        if outcome.state in ("failed", "retry", "partial"):
            what = {"failed": "failed", "retry": "postponed",
                    "partial": "written but for refused fields (tried again later)"}
            err.print(f"push {what[outcome.state]}: {outcome.detail}", markup=False)
