"""The finance exports connector (kind `excel`): workbooks and SAP exports dropped in a folder
become records; changes the hub makes go back into designated columns of the source workbook;
reports the hub builds are written as workbooks.

Polling: each source (a file or glob; its newest match is the current version) is read when its
content hash changed, and its rows are diffed against the snapshot of the version imported last
(kept in the poll cursor): new, changed and vanished rows become creates, updates and
tombstones; unchanged rows are not sent at all. A row with a cell that doesn't parse is
rejected (quarantined with file, sheet, row, column, value and reason) and its last imported
state stands. A file that can't be read at all changes nothing and fails the poll with its
name; one that is still being copied is read at a later poll. Sources are independent: each
one's rows and snapshot commit on their own, and a source that fails leaves the others applied
(`PartlyApplied` names it).
"""

from __future__ import annotations

import asyncio
import glob
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.excel.config import ColumnConfig, ExcelConfig, SourceConfig
from connectors.excel.presets import PRESETS, Preset
from connectors.excel.readers import open_table
from connectors.excel.snapshot import (
    Differ,
    Snapshot,
    dump_cursor,
    file_hash,
    load_cursor,
    merge_keys,
)
from connectors.excel.tables import (
    Column,
    FileProblem,
    HeaderNotFound,
    ReadOptions,
    Row,
    TableFile,
    TableSpec,
    is_totals_row,
    plain_value,
)
from connectors.excel.writeback import update_in_place, write_report
from hub.errors import HubError, NotYet, PartlyApplied, Permanent
from hub.sdk.connector import (
    CheckResult,
    Connector,
    LinkRef,
    PollPage,
    PollProgress,
    Rejected,
    RemoteRecord,
    Report,
)

_IGNORED_PREFIXES = ("~$", ".~lock.", ".")
_STEP = timedelta(milliseconds=1)


class NotReady(NotYet):
    """A file that is still being written; it is read at a later poll."""


@dataclass
class _Source:
    name: str
    config: SourceConfig

    @property
    def options(self) -> ReadOptions:
        c = self.config
        return ReadOptions(sheet=c.sheet, header_row=c.header_row, encoding=c.encoding,
                           delimiter=c.delimiter, decimal=c.decimal, date_order=c.date_order,
                           yen=c.yen)


def build_spec(preset: Preset, columns: Mapping[str, list[str] | ColumnConfig]) -> TableSpec:
    """The preset's columns with the connector's extra aliases and columns."""
    out = list(preset.spec.columns)
    for key, extra in columns.items():
        config = ColumnConfig(aliases=extra) if isinstance(extra, list) else extra
        existing = next((i for i, c in enumerate(out) if c.key == key), None)
        if existing is None:
            out.append(Column(key, tuple(config.aliases), config.type or "text",
                              bool(config.required)))
            continue
        column = out[existing]
        out[existing] = replace(
            column, aliases=(*config.aliases, *column.aliases),
            type=config.type or column.type,
            required=column.required if config.required is None else config.required)
    return TableSpec(tuple(out), currency=preset.spec.currency)


def current_file(pattern: str) -> Path | None:
    """The newest file matching `pattern` (lock, temporary and hidden files aside)."""
    found = []
    for name in glob.glob(pattern):
        path = Path(name)
        if path.name.startswith(_IGNORED_PREFIXES) or path.name.endswith(".hub-tmp") \
                or not path.is_file():
            continue
        found.append((path.stat().st_mtime, path.name, path))
    return max(found)[2] if found else None


class ExcelConnector(Connector[ExcelConfig]):
    """Reads finance's exports from a drop folder; writes designated columns and reports."""

    kind = "excel"
    config_model = ExcelConfig
    remote_types = {"budget_line": "budget_line", "plan_row": "task"}

    def __init__(self, connector_id: str, config: ExcelConfig) -> None:
        super().__init__(connector_id, config)
        self.preset = PRESETS[config.preset]
        self.spec = build_spec(self.preset, config.columns)
        self.remote_type = self.preset.remote_type
        # One connector reads one preset's rows: its remote types are that preset's.
        self.remote_types = {  # type: ignore[misc]
            self.remote_type: type(self).remote_types[self.remote_type]}
        self.keys: tuple[tuple[str, ...], ...] = (
            (tuple(config.key),) if config.key else self.preset.keys)
        self.writable = tuple(config.write_back.columns if config.write_back.columns is not None
                              else self.preset.writable)
        self.sources = {name: _Source(name, s) for name, s in config.sources.items()}
        #: the time used for "is this file still being copied" (tests move it)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        #: files this connector wrote, as (size, mtime): complete, whatever their age
        self._written: dict[str, tuple[int, float]] = {}

    # -- checking --------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        notes = []
        for source in self.sources.values():
            folder = Path(source.config.path).parent
            if not folder.is_dir():
                raise Permanent(f"source {source.name}: the folder {folder} does not exist")
            if not os.access(folder, os.R_OK | os.X_OK):
                raise Permanent(f"source {source.name}: the folder {folder} can't be read")
            found = current_file(source.config.path)
            notes.append(f"{source.name}: {found.name if found else 'no file yet'}")
        for report in self.config.reports:
            folder = Path(report.path).parent
            if not os.access(folder if folder.is_dir() else folder.parent, os.W_OK):
                raise Permanent(f"report {report.report}: can't write to {folder}")
        return CheckResult(True, "; ".join(notes) or "no sources")

    # -- reading ---------------------------------------------------------------------------
    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        before = load_cursor(cursor)
        after = dict(before)
        failed: dict[str, HubError] = {}
        applied: list[str] = []
        for source in self.sources.values():
            old = before.get(source.name, Snapshot())
            pages = self._pages(source, old, after)
            try:
                while (page := await asyncio.to_thread(next, pages, None)) is not None:
                    yield replace(page, part=source.name)
            except NotReady as exc:
                exc.retry_after = exc.retry_after or self.config.settle.total_seconds()
                failed[source.name] = exc
                continue
            except FileProblem as exc:
                failed[source.name] = Permanent(
                    f"{exc} (nothing of this file was imported and the previous version "
                    "stands; drop a fixed file and the next poll reads it)")
                continue
            # Each source commits on its own: its snapshot goes with its last page.
            applied.append(source.name)
            yield PollPage([], dump_cursor(after), part=source.name)
        if not failed:
            return
        if len(self.sources) == 1:  # the source is the poll: its own error
            raise next(iter(failed.values()))
        raise PartlyApplied(failed, applied)

    def _pages(self, source: _Source, old: Snapshot,
               after: dict[str, Snapshot]) -> Iterator[PollPage]:
        """The pages of one source's new version; stores its snapshot in `after` at the end."""
        path = current_file(source.config.path)
        if path is None:
            return  # no file (yet): what was imported stands
        stat = path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime, UTC)
        age = self.clock() - modified
        ours = self._written.get(str(path)) == (stat.st_size, stat.st_mtime)
        if age < self.config.settle and not ours:
            raise NotReady(f"{path.name} changed {age.total_seconds():.0f}s ago (still being "
                           "copied?); read at a later poll")
        digest = file_hash(path)
        if digest == old.sha256:
            return  # the same content again: nothing changed
        try:
            table = open_table(path, self.spec, source.options)
        except FileProblem as exc:
            if exc.incomplete and age < self.config.incomplete_grace:
                raise NotReady(f"{exc} (it may still be being copied; read at a later "
                               "poll)") from None
            raise
        with table:
            again = path.stat()
            if (again.st_size, again.st_mtime) != (stat.st_size, stat.st_mtime):
                raise NotReady(f"{path.name} changed while it was read; read at a later poll")
            at = max(modified, old.at + _STEP) if old.at else modified
            differ = Differ(old)
            yield from self._diff(source, table, differ, at)
            gone = differ.vanished()
            version = str(differ.old.seq + 1)
            tombstones = [RemoteRecord(self.remote_type, f"{source.name}:{key}", {},
                                       updated_at=at, version=version, deleted=True)
                          for key in gone]
            for start in range(0, len(tombstones), self.config.page_size):
                yield PollPage(tombstones[start:start + self.config.page_size], None)
            after[source.name] = differ.snapshot(str(path), digest, at)

    def _key_columns(self, table: TableFile) -> tuple[str, ...]:
        for alternative in self.keys:
            if all(k in table.positions for k in alternative):
                return alternative
        wanted = " or ".join("+".join(k) for k in self.keys)
        raise HeaderNotFound(table.path, f"has no columns to identify its rows by ({wanted})")

    def _diff(self, source: _Source, table: TableFile, differ: Differ,
              at: datetime) -> Iterator[PollPage]:
        key_columns = self._key_columns(table)
        must = [k for k in key_columns if self.spec.column(k).required] or [key_columns[0]]
        version = str(differ.old.seq + 1)
        url = table.path.resolve().as_uri()
        records: list[RemoteRecord] = []
        rejected: list[Rejected] = []
        for row in table.rows():
            parts = [row.values.get(k) for k in key_columns]
            key = merge_keys(parts)
            remote_id = f"{source.name}:{key}"
            keyless = any(row.values.get(k) in (None, "") for k in must)
            if keyless and not any(p.column in key_columns for p in row.problems):
                if is_totals_row(row):
                    table.skipped += 1
                    continue
                names = ", ".join(table.headers.get(k, k) for k in must)
                rejected.append(self._reject(table, row, None, f"{self._where(table, row)}: "
                                                               f"no value in {names}"))
            elif row.problems:
                if not keyless:
                    differ.keep(key)
                reason = "; ".join(p.describe(table.name, table.sheet, row.number)
                                   for p in row.problems)
                rejected.append(self._reject(table, row, None if keyless else remote_id, reason))
            else:
                seen = differ.see(key, row.values)
                if seen == "duplicate":
                    rejected.append(self._reject(
                        table, row, remote_id, f"{self._where(table, row)}: repeats the key "
                                               f"{key!r} of an earlier row (ignored)"))
                elif seen != "unchanged":
                    records.append(RemoteRecord(
                        self.remote_type, remote_id, row.values, updated_at=at,
                        version=version, url=f"{url}#{table.sheet or 'row'}!{row.number}"))
            if len(records) + len(rejected) >= self.config.page_size:
                yield PollPage(records, None, rejected=rejected,
                               progress=self._progress(table, row.number))
                records, rejected = [], []
        done = self._progress(table, table.last_row)
        if records or rejected or done is not None:  # the last page says the file is read
            yield PollPage(records, None, rejected=rejected, progress=done)

    @staticmethod
    def _progress(table: TableFile, row: int | None) -> PollProgress | None:
        """Rows of the file read so far, where the file says how many it has."""
        if table.last_row is None or row is None or table.last_row <= table.header_row:
            return None
        total = table.last_row - table.header_row
        return PollProgress(min(max(row - table.header_row, 0), total), total,
                            f"rows of {table.path.name}")

    @staticmethod
    def _where(table: TableFile, row: Row) -> str:
        sheet = f", sheet {table.sheet}" if table.sheet else ""
        return f"{table.name}{sheet}, row {row.number}"

    def _reject(self, table: TableFile, row: Row, remote_id: str | None,
                reason: str) -> Rejected:
        first = row.problems[0] if row.problems else None
        location = self._where(table, row) + (
            f", column {first.header} ({first.letter})" if first else "")
        return Rejected(self.remote_type, remote_id, reason, location=location, payload={
            "file": str(table.path), "sheet": table.sheet, "row": row.number,
            "problems": [{"column": p.header, "letter": p.letter, "value": plain_value(p.value),
                          "reason": p.reason} for p in row.problems],
            "cells": row.cells})

    async def list_ids(self, remote_type: str) -> set[str]:
        if remote_type != self.remote_type:
            raise NotImplementedError(f"this connector reads {self.remote_type} rows")
        return await asyncio.to_thread(self._ids)

    def _ids(self) -> set[str]:
        ids: set[str] = set()
        for source in self.sources.values():
            path = current_file(source.config.path)
            if path is None:
                continue
            with open_table(path, self.spec, source.options) as table:
                key_columns = self._key_columns(table)
                for row in table.rows():
                    if any(row.values.get(k) not in (None, "") for k in key_columns):
                        key = merge_keys(row.values.get(k) for k in key_columns)
                        ids.add(f"{source.name}:{key}")
        return ids

    # -- writing ---------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        name, _, key = link.remote_id.partition(":")
        source = self.sources.get(name)
        if source is None or not key:
            raise Permanent(f"{link.remote_id}: no source {name!r} in this connector", status=404)
        if not self.config.write_back.enabled:
            raise Permanent("write-back is off for this connector (write_back.enabled: false); "
                            "map the field with dir: in")
        refused = sorted(set(patch) - set(self.writable))
        if refused:
            allowed = ", ".join(self.writable) or "none"
            raise Permanent(f"the hub may not write {', '.join(refused)} into the source "
                            f"workbook (write_back.columns: {allowed})")
        path = current_file(source.config.path)
        if path is None:
            raise Permanent(f"source {name}: no file matches {source.config.path}", status=404)
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise Permanent(f"{path.name}: only workbooks (.xlsx) are written back; CSV "
                            "exports are read-only")
        written = await asyncio.to_thread(self._write_row, source, path, key, dict(patch))
        return RemoteRecord(self.remote_type, link.remote_id, written,
                            updated_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
                            url=link.url)

    def _write_row(self, source: _Source, path: Path, key: str,
                   patch: dict[str, Any]) -> dict[str, Any]:
        with open_table(path, self.spec, source.options) as table:
            key_columns = self._key_columns(table)
        backup_dir = self.config.write_back.backup_dir
        found = update_in_place(path, self.spec, source.options, key_columns, {key: patch},
                                backup_dir=Path(backup_dir) if backup_dir else None,
                                keep_backups=self.config.write_back.keep_backups)
        if key not in found:
            raise Permanent(f"{path.name} has no row {key!r} any more", status=404)
        stat = path.stat()
        self._written[str(path)] = (stat.st_size, stat.st_mtime)
        return found[key]

    def reports(self) -> list[str]:
        return [r.report for r in self.config.reports]

    async def publish(self, report: Report) -> None:
        for target in self.config.reports:
            if target.report == report.name:
                await asyncio.to_thread(write_report, Path(target.path), report, target.sheet)
