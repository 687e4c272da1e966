"""`hub sync CONNECTOR`: one poll (or a full backfill) now, in the foreground, with a summary
per entity of what changed; `--dry-run` lists what would change, field by field.

Exit codes: 0 everything read was applied; 1 the poll failed and nothing more was applied;
2 a usage or config error; 3 partly applied: some parts of the connector's scope (a finance
connector's sources) were applied, others failed and are named on stderr.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from hub.cli.common import Loaded, err, open_database, out, print_json
from hub.errors import HubError, PartlyApplied
from hub.sdk.connector import PollPage
from hub.sync.batch import OUTCOMES, Tally
from hub.sync.comments.jobs import read_threads
from hub.sync.jobs import PushOutcome, poll_connector, push_due
from hub.sync.reports import publish_reports
from hub.sync.runtime import Runtime

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTLY = 0, 1, 2, 3
#: how many changes a dry run lists on the console (--json lists every one)
SHOWN = 50
_PLURAL = {"task": "tasks", "project": "projects", "person": "people", "absence": "absences",
           "budget_line": "budget lines"}


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

    @property
    def by_part(self) -> list[str]:
        """The parts to report one by one (none for a connector with a single part)."""
        parts = [*self.parts, *(p for p in self.failed if p not in self.parts)]
        return parts if len(parts) > 1 or self.failed else []


def run_sync(loaded: Loaded, connector_id: str, full: bool, dry_run: bool, push: bool,
             as_json: bool = False) -> int:
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
    started = time.monotonic()
    try:
        rt = Runtime(config, loaded.registry, engine)
        report = asyncio.run(_sync(rt, connector_id, full, dry_run, push, as_json))
    except HubError as exc:
        err.print(f"{connector_id}: {exc}", markup=False)
        return EXIT_FAILED
    finally:
        engine.dispose()
    seconds = time.monotonic() - started
    if as_json:
        print_json(summary_json(connector_id, report, dry_run, full, seconds))
    else:
        _summary(connector_id, report, dry_run, seconds)
    for part, reason in report.failed.items():
        err.print(f"{connector_id}: {part} not applied: {reason}", markup=False)
    if report.failed:
        return EXIT_PARTLY if report.applied else EXIT_FAILED
    return EXIT_OK


async def _sync(rt: Runtime, connector_id: str, full: bool, dry_run: bool, push: bool,
                quiet: bool) -> SyncReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TaskProgressColumn(), TextColumn("{task.fields[count]}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, transient=True, disable=quiet) as progress:
            what = f"{'backfill' if full else 'poll'} {connector_id}"
            task = progress.add_task(what, total=None, count="")
            read = [0]
            report = SyncReport()

            def on_page(page: PollPage, tally: Tally) -> None:
                report.count(page, tally)
                read[0] += len(page.records)
                shown = page.progress
                if shown is None:  # the tool didn't say how much there is: a count
                    progress.update(task, count=f"{read[0]:,} records")
                else:
                    progress.update(task, total=shown.total, completed=shown.done,
                                    count=f"{shown.done:,}/{shown.total:,} {shown.unit}")

            try:
                await poll_connector(rt, connector_id, full=full, dry_run=dry_run,
                                     on_page=on_page)
            except PartlyApplied as partial:
                # What the other parts brought is committed: it is reported and pushed.
                report.failed = {part: str(e) for part, e in partial.failed.items()}
                report.applied = partial.applied
            if not dry_run and not report.failed:
                progress.update(task, description=f"comments of {connector_id}", total=None,
                                count="")
                await read_threads(rt, connector_id)
            if push and not dry_run and (report.applied or not report.failed):
                progress.update(task, description="pushing to the tools", total=None,
                                count="")
                report.pushes = await push_due(rt)
                for other, connector in rt.connectors.items():
                    if connector.reports():  # reports built from what changed (portfolio)
                        progress.update(task, description=f"reports of {other}")
                        await publish_reports(rt, other)
        return report
    finally:
        await rt.aclose()


def summary_json(connector_id: str, report: SyncReport, dry_run: bool, full: bool,
                 seconds: float) -> dict[str, Any]:
    """The summary as `hub sync --json` prints it."""
    tally, pushes = report.total, report.pushes
    out: dict[str, Any] = {
        "connector": connector_id, "dry_run": dry_run, "full": full,
        "seconds": round(seconds, 3), "totals": _totals(tally), "entities": tally.by_entity,
        "meaning": OUTCOMES}
    if report.by_part:
        out["parts"] = {part: {"applied": part not in report.failed,
                               "error": report.failed.get(part),
                               "totals": _totals(report.parts.get(part, Tally()))}
                        for part in report.by_part}
    if dry_run:
        out["changes"] = tally.changes
    else:
        out["pushes"] = {state: sum(1 for o in pushes if o.state == state)
                         for state in _PUSH_STATES}
        out["push_problems"] = [{"state": o.state, "detail": o.detail} for o in pushes
                                if o.state in _PUSH_PROBLEMS]
    return out


_PUSH_STATES = ("done", "partial", "retry", "failed")
#: push outcomes a person must hear of, and how they are said
_PUSH_PROBLEMS = {"failed": "failed", "retry": "postponed",
                  "partial": "written but for refused fields (tried again later)"}


def _totals(tally: Tally) -> dict[str, int]:
    return {name: getattr(tally, name) for name in ("read", *OUTCOMES, "pushes_queued",
                                                    "derived")}


def _summary(connector_id: str, report: SyncReport, dry_run: bool, seconds: float) -> None:
    tally, pushes = report.total, report.pushes
    if dry_run:
        verb = "would change (dry run, nothing written)"
    elif report.failed:
        verb = f"{'partly synced' if report.applied else 'not synced'} " \
               f"({', '.join(report.failed)} failed)"
    else:
        verb = "synced"
    out.print(f"{connector_id}: {verb}: {tally.read:,} records read in {seconds:.1f} s",
              markup=False)
    if dry_run:
        _changes(tally.changes)
    shown = ["created", "updated", "unchanged"]
    shown += [o for o in OUTCOMES if o not in shown and getattr(tally, o)]
    if report.by_part:
        out.print(_part_table(report))
    elif tally.by_entity:
        table = Table()
        table.add_column("")
        for outcome in shown:
            table.add_column(outcome, justify="right")
        for entity, counts in sorted(tally.by_entity.items()):
            table.add_row(_PLURAL.get(entity, entity),
                          *[str(counts.get(o, 0)) for o in shown])
        if len(tally.by_entity) > 1:
            table.add_row(Text("all", style="bold"), *[str(getattr(tally, o)) for o in shown])
        out.print(table)
    for outcome in shown:  # what each column that counted something means, once
        if getattr(tally, outcome):
            out.print(f"  {outcome}: {OUTCOMES[outcome]}", markup=False)
    if tally.quarantined:
        out.print(f"  -> see them: hub quarantine list {connector_id}", markup=False)
    if tally.conflicts:
        out.print("  -> waiting for a person: hub conflicts", markup=False)
    if tally.derived:
        out.print(f"  derived fields (budget status, risks) changed on {tally.derived} "
                  "records", markup=False)
    if dry_run:
        return
    done = sum(1 for o in pushes if o.state in ("done", "partial"))
    out.print(f"pushed {done} change{'s' if done != 1 else ''} to the tools", markup=False)
    # A refused or postponed push must not hide behind a successful poll.
    for state, label in (("partial", "push partly refused"), ("failed", "push failed"),
                         ("retry", "push retrying")):
        count = sum(1 for o in pushes if o.state == state)
        if count:
            out.print(f"{label}: {count}", markup=False)
    for pushed in pushes:
        if pushed.state in _PUSH_PROBLEMS:
            err.print(f"push {_PUSH_PROBLEMS[pushed.state]}: {pushed.detail}", markup=False)
    if any(o.state == "failed" for o in pushes):
        err.print("see them: hub pushes failed; after fixing the cause: hub pushes retry "
                  "CONNECTOR", markup=False)


def _part_table(report: SyncReport) -> Table:
    """Outcomes per part of the scope (a finance connector's sources), and the total."""
    parts = report.by_part
    table = Table()
    table.add_column("")
    for part in parts:
        table.add_column(part, justify="right")
    table.add_column("total", justify="right")
    table.add_row("applied", *("no" if p in report.failed else "yes" for p in parts), "")
    for name in ("read", *OUTCOMES):
        tallies = [report.parts.get(p) for p in parts]
        cells = [str(getattr(t, name)) if t else "-" for t in tallies]  # -: read nothing
        table.add_row(name, *cells, str(getattr(report.total, name)))
    return table


def _changes(changes: list[dict[str, Any]]) -> None:
    """What a dry run would change: one block per record, one line per field."""
    if not changes:
        out.print("nothing would change", markup=False)
        return
    for change in changes[:SHOWN]:
        source = change["source"]
        remote = " ".join(str(source[k]) for k in ("remote_type", "remote_id") if source.get(k))
        where = f"from {source['connector']}" + (f" {remote}" if remote else "")
        entity = change["entity"] or "record"
        out.print(f"{change['action']} {entity} {change['record'] or change['record_id']} "
                  f"({where})", markup=False)
        if change.get("reason"):
            out.print(f"    {change['reason']}", markup=False)
        for f in change["fields"]:
            note = " (the hub keeps its value)" if f.get("kept") else ""
            out.print(f"    {f['field']}: {_value(f['old'])} -> {_value(f['new'])}{note}",
                      markup=False)
    if len(changes) > SHOWN:
        out.print(f"... and {len(changes) - SHOWN} more (--json lists every one)", markup=False)


def _value(value: Any) -> str:
    return "-" if value is None else json.dumps(value, ensure_ascii=False, default=str)
