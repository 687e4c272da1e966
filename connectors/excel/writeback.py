"""Writing workbooks without losing anything: designated cells of a source workbook updated in
place (every other cell, formula and format kept), and reports written whole.

Every write is atomic (a temporary file beside the target, then a rename), a source workbook is
copied to a backup first, and a workbook that is open in Excel or LibreOffice (its `~$` or
`.~lock` file exists) is not touched: `Retriable`, to be tried again later.

openpyxl keeps cells, formulas, styles, number formats, merged cells, column widths, defined
names, data validation and conditional formats; it drops drawings (charts and images) of the
workbooks it saves, so a source workbook with charts should keep them on another sheet file.
A saved workbook is marked (`lastModifiedBy`) and set to recalculate on open: its formulas have
no cached values until Excel opens it, and the reader knows to leave them alone until then.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.excel.cells import PARSERS, Style
from connectors.excel.snapshot import merge_keys
from connectors.excel.tables import (
    HUB_MARKER,
    CorruptFile,
    FileProblem,
    ReadOptions,
    SheetMissing,
    TableSpec,
    find_header,
    header_error,
    header_key,
)
from hub.errors import Permanent, Retriable
from hub.sdk.connector import Report

LOCK_RETRY = 60.0  # seconds: how soon to try a workbook open in Excel again


def lock_file(path: Path) -> Path | None:
    """The lock file of an office program that has `path` open, if there is one. Excel writes
    `~$name` (for long names without the first two characters); LibreOffice `.~lock.name#`."""
    candidates = [path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")]
    if len(path.stem) > 2:
        candidates.append(path.with_name(f"~${path.name[2:]}"))
    return next((c for c in candidates if c.exists()), None)


def ensure_unlocked(path: Path) -> None:
    """Raise `Retriable` while `path` is open in an office program."""
    lock = lock_file(path)
    if lock is not None:
        raise Retriable(f"{path.name} is open in Excel ({lock.name} exists); the hub writes it "
                        "once it is closed", retry_after=LOCK_RETRY)


def backup(path: Path, backup_dir: Path | None, keep: int) -> Path | None:
    """Copy `path` to the backup folder (default `.hub-backups` beside it), keeping the newest
    `keep` copies of this file."""
    if keep <= 0:
        return None
    folder = backup_dir or path.parent / ".hub-backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    shutil.copy2(path, target)
    copies = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for old in copies[:-keep]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def atomic_save(save: Callable[[Path], None], path: Path) -> None:
    """Write through `save(temporary path)` and rename over `path`: readers see the old file
    or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.hub-tmp")
    try:
        save(temporary)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def update_in_place(path: Path, spec: TableSpec, options: ReadOptions, key_columns: Sequence[str],
                    updates: Mapping[str, Mapping[str, Any]], *, backup_dir: Path | None = None,
                    keep_backups: int = 20) -> dict[str, dict[str, Any]]:
    """Set `updates` (row key -> column key -> value) in the workbook at `path`, keeping every
    other cell; returns what each updated row now holds in those columns. Rows not found are
    left out of the answer."""
    import openpyxl

    ensure_unlocked(path)
    try:
        workbook = openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm",
                                          keep_links=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise CorruptFile(path, f"can't be opened for writing ({exc})") from None
    try:
        sheet, header_at, positions = _locate(path, workbook, spec, options)
        missing = {c for u in updates.values() for c in u} - set(positions)
        if missing:
            raise Permanent(f"{path.name} has no column for {', '.join(sorted(missing))} "
                            "(add the column to the workbook)")
        style = Style(decimal=options.decimal, date_order=options.date_order, yen=options.yen)
        found: dict[str, dict[str, Any]] = {}
        first = header_at + 2  # 1-based row below the header
        for number, cells in enumerate(sheet.iter_rows(min_row=first), start=first):
            key = _row_key(cells, positions, key_columns, spec, style)
            if key is None or key not in updates or key in found:
                continue
            written: dict[str, Any] = {}
            for column, value in updates[key].items():
                cell = sheet.cell(row=number, column=positions[column] + 1)
                cell.value = _cell_value(value)
                parser = PARSERS.get(spec.column(column).type, PARSERS["text"])
                written[column] = parser(cell.value, style)
            found[key] = written
        if not found:
            return found
        ensure_unlocked(path)  # opened in Excel meanwhile: don't write under it
        backup(path, backup_dir, keep_backups)
        workbook.properties.lastModifiedBy = HUB_MARKER
        workbook.calculation.fullCalcOnLoad = True
        atomic_save(workbook.save, path)
        return found
    finally:
        workbook.close()


def _locate(path: Path, workbook: Any, spec: TableSpec,
            options: ReadOptions) -> tuple[Any, int, dict[str, int]]:
    names = list(workbook.sheetnames)
    if options.sheet is not None:
        names = [n for n in names if n.strip().casefold() == options.sheet.strip().casefold()]
        if not names:
            raise SheetMissing(path, f"has no sheet {options.sheet!r}")
    index = spec.alias_index()
    first_head: list[tuple[Any, ...]] = []
    for name in names:
        sheet = workbook[name]
        head = [tuple(row) for row in sheet.iter_rows(
            max_row=max(options.header_scan, options.header_row or 0), values_only=True)]
        first_head = first_head or head
        at = find_header(path, spec, options, head, "")
        if at is None:
            continue
        positions: dict[str, int] = {}
        for position, cell in enumerate(head[at]):
            key = index.get(header_key(cell))
            if key is not None and key not in positions:
                positions[key] = position
        return sheet, at, positions
    raise header_error(path, spec, options, first_head, "")


def _row_key(cells: Sequence[Any], positions: Mapping[str, int], key_columns: Sequence[str],
             spec: TableSpec, style: Style) -> str | None:
    parts = []
    for column in key_columns:
        position = positions.get(column)
        raw = cells[position].value if position is not None and position < len(cells) else None
        try:
            parts.append(PARSERS.get(spec.column(column).type, PARSERS["text"])(raw, style))
        except ValueError:
            return None
    return merge_keys(parts) if any(p not in (None, "") for p in parts) else None


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


# -- reports -------------------------------------------------------------------------------
_FILLS = {"rejected": "F8CBAD", "over_budget": "F4B183", "pending": "FFE699",
          "approved": "C6EFCE"}
_FORMATS = {"money": "#,##0.00", "number": "#,##0.##", "int": "0", "date": "yyyy-mm-dd",
            "datetime": "yyyy-mm-dd hh:mm"}


def write_report(path: Path, report: Report, sheet_name: str = "Portfolio") -> None:
    """Write `report` as a formatted workbook at `path` (atomically; Retriable while open)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ensure_unlocked(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    sheet.append([c.title for c in report.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
    for row in report.rows:
        sheet.append([_report_value(row.get(c.key), c.kind) for c in report.columns])
    for index, column in enumerate(report.columns, start=1):
        letter = get_column_letter(index)
        width = max([len(column.title)] + [len(str(r.get(column.key) or ""))
                                           for r in report.rows[:500]])
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        number_format = _FORMATS.get(column.kind)
        for row_cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell = row_cells[0]
            if number_format:
                cell.number_format = number_format
            fill = _FILLS.get(str(cell.value)) if column.key == "budget_status" else None
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
    sheet.freeze_panes = "A2"
    if report.rows:
        sheet.auto_filter.ref = sheet.dimensions
    about = workbook.create_sheet("About")
    about.append(["Report", report.title])
    about.append(["Generated", report.generated_at.replace(tzinfo=None)])
    about.append(["Rows", len(report.rows)])
    about.append(["Source", "integration hub: reconciled from every connected tool; "
                            "edits here are overwritten at the next update"])
    about["B2"].number_format = "yyyy-mm-dd hh:mm:ss"
    about.column_dimensions["A"].width = 12
    about.column_dimensions["B"].width = 80
    workbook.properties.lastModifiedBy = HUB_MARKER
    atomic_save(workbook.save, path)


def _report_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else value
    if kind in ("money", "number"):
        return float(value)
    if kind == "int":
        return int(value)
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if kind == "datetime" and isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


__all__ = ["FileProblem", "atomic_save", "backup", "ensure_unlocked", "lock_file",
           "update_in_place", "write_report"]
