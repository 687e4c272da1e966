"""Writing back: designated columns of the source workbook in place (every other cell, formula
and format kept, a backup first, atomically, never under Excel's lock), and reports."""

from __future__ import annotations

import glob
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from connectors.excel.connector import ExcelConnector
from hub.errors import Permanent, Retriable
from hub.sdk.connector import LinkRef, Report, ReportColumn
from tests.connectors.excel.conftest import excel, poll, records

pytestmark = pytest.mark.anyio


def cells(path: Path) -> dict[tuple[str, str], Any]:
    """Every cell of every sheet: value (formulas as written), number format, font, fill."""
    workbook = openpyxl.load_workbook(path)
    out = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                out[(sheet.title, cell.coordinate)] = (
                    cell.value, cell.number_format, cell.font.b, cell.fill.fgColor.rgb)
        out[(sheet.title, "freeze")] = sheet.freeze_panes
        out[(sheet.title, "width C")] = sheet.column_dimensions["C"].width
    return out


def plan(folder: Path, **settings: Any) -> ExcelConnector:
    return excel(folder, "plan*.xlsx", preset="excel_plan", **settings)


async def test_status_is_written_in_place_and_nothing_else_changes(
        folder: Path, dropped: Callable[..., Path]) -> None:
    path = dropped("plan.xlsx")
    before = cells(path)
    connector = plan(folder)
    _pages, cursor = await poll(connector)
    written = await connector.push(LinkRef("plan_row", "budgets:P-2", {}), {"status": "Done"})
    assert written.remote_id == "budgets:P-2"
    assert written.payload == {"status": "Done"}
    after = cells(path)
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {("Plan", "I4")}
    assert after[("Plan", "I4")][0] == "Done"
    assert after[("Plan", "I4")][3] == before[("Plan", "I4")][3]  # its fill stays
    assert after[("Plan", "H3")][0] == "=G3-F3"  # formulas stay formulas
    assert set(after) == set(before)
    backups = list((folder / ".hub-backups").glob("plan.*.xlsx"))
    assert len(backups) == 1
    assert cells(backups[0]) == before
    assert not glob.glob(str(folder / "*.hub-tmp"))
    # The next poll sees the row with the written status, and formulas it can't know yet
    # (no cached value until Excel opens the file) are left out, not read as empty.
    pages, _ = await poll(connector, cursor)
    changed_rows = {r.remote_id: r.payload for r in records(pages)}
    assert set(changed_rows) == {"budgets:P-2"}
    assert changed_rows["budgets:P-2"]["status"] == "Done"


async def test_a_workbook_open_in_excel_is_not_written(folder: Path,
                                                       dropped: Callable[..., Path]) -> None:
    path = dropped("plan.xlsx")
    lock = folder / "~$plan.xlsx"
    lock.write_bytes(b"\x05user")
    data = path.read_bytes()
    connector = plan(folder)
    with pytest.raises(Retriable, match=r"plan\.xlsx is open in Excel") as info:
        await connector.push(LinkRef("plan_row", "budgets:P-1", {}), {"status": "Done"})
    assert info.value.retry_after
    assert path.read_bytes() == data
    assert not (folder / ".hub-backups").exists()
    lock.unlink()  # closed: the retry writes
    await connector.push(LinkRef("plan_row", "budgets:P-1", {}), {"status": "Done"})
    assert openpyxl.load_workbook(path)["Plan"]["I3"].value == "Done"


async def test_libreoffice_locks_count_too(folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("plan.xlsx")
    (folder / ".~lock.plan.xlsx#").write_text("user")
    with pytest.raises(Retriable):
        await plan(folder).push(LinkRef("plan_row", "budgets:P-1", {}), {"status": "Done"})


async def test_only_designated_columns_are_written(folder: Path,
                                                   dropped: Callable[..., Path]) -> None:
    dropped("plan.xlsx")
    with pytest.raises(Permanent, match=r"may not write title .*write_back.columns: status"):
        await plan(folder).push(LinkRef("plan_row", "budgets:P-1", {}), {"title": "x"})
    with pytest.raises(Permanent, match="write-back is off"):
        await plan(folder, write_back={"enabled": False}).push(
            LinkRef("plan_row", "budgets:P-1", {}), {"status": "Done"})


async def test_a_row_gone_from_the_workbook_is_permanent(folder: Path,
                                                         dropped: Callable[..., Path]) -> None:
    dropped("plan.xlsx")
    with pytest.raises(Permanent, match="no row 'P-9'"):
        await plan(folder).push(LinkRef("plan_row", "budgets:P-9", {}), {"status": "Done"})


async def test_csv_sources_are_read_only(folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("budget_de_bom.csv")
    connector = excel(folder, write_back={"columns": ["status"]})
    with pytest.raises(Permanent, match="CSV exports are read-only"):
        await connector.push(LinkRef("budget_line", "budgets:RD|4711|2026-01", {}),
                             {"status": "Abgelehnt"})


async def test_backups_are_pruned(folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("plan.xlsx")
    connector = plan(folder, write_back={"keep_backups": 2, "backup_dir": str(folder / "bak")})
    for status in ("Done", "Open", "Blocked"):
        await connector.push(LinkRef("plan_row", "budgets:P-1", {}), {"status": status})
    assert len(list((folder / "bak").iterdir())) == 2


def portfolio() -> Report:
    return Report(
        name="portfolio", title="Project portfolio",
        columns=(ReportColumn("key", "Project"), ReportColumn("budget_status", "Budget"),
                 ReportColumn("approved", "Approved", "money"),
                 ReportColumn("due_date", "Due", "date"), ReportColumn("risks", "Risks", "list")),
        rows=[{"key": "RD", "budget_status": "rejected", "approved": "120000.00",
               "due_date": "2026-12-31", "risks": ["budget rejected", "2 blocked"]},
              {"key": "LAUNCH", "budget_status": "approved", "approved": None,
               "due_date": None, "risks": []}],
        generated_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


async def test_reports_are_written_as_formatted_workbooks(folder: Path) -> None:
    target = folder / "out" / "portfolio.xlsx"
    connector = excel(folder, reports=[{"path": str(target)}])
    assert connector.reports() == ["portfolio"]
    await connector.publish(portfolio())
    sheet = openpyxl.load_workbook(target)["Portfolio"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Project", "Budget", "Approved", "Due", "Risks")
    assert rows[1][:3] == ("RD", "rejected", 120000)
    assert rows[1][3] == datetime(2026, 12, 31)
    assert rows[1][4] == "budget rejected, 2 blocked"
    assert sheet["C2"].number_format == "#,##0.00"
    assert sheet["B2"].fill.fgColor.rgb.endswith("F8CBAD")
    assert sheet.freeze_panes == "A2"
    (folder / "out" / "~$portfolio.xlsx").write_text("x")
    with pytest.raises(Retriable):
        await connector.publish(portfolio())
