"""Polling a drop folder: snapshots and diffs, quarantined rows, whole-file errors that change
nothing, files still being copied."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.excel.connector import ExcelConnector, NotReady
from connectors.excel.snapshot import load_cursor
from hub.errors import Permanent
from tests.connectors.excel.conftest import SAMPLES, excel, poll, poll_to_error, records, settle

pytestmark = pytest.mark.anyio

CSV_DE = ("Projekt;Kostenstelle;Periode;Währung;Plan;Genehmigt;Ist;Status\r\n"
          "{rows}")


def export(folder: Path, name: str, *rows: str, age: float = 60.0) -> Path:
    path = folder / name
    path.write_text(CSV_DE.format(rows="".join(r + "\r\n" for r in rows)), encoding="cp1252")
    settle(path, age)
    return path


async def test_first_poll_reads_every_row(folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("sap_budget_utf16.txt")
    pages, cursor = await poll(excel(folder))
    found = {r.remote_id: r for r in records(pages)}
    assert set(found) == {"budgets:RD|4711|2026-01", "budgets:RD|4712|2026-02",
                          "budgets:LAUNCH|5100|2026-01", "budgets:MKT|6200|2026-03"}
    line = found["budgets:RD|4712|2026-02"]
    assert line.remote_type == "budget_line"
    assert line.payload["actual"] == Decimal("-1250.00")
    assert line.updated_at is not None
    assert line.updated_at.tzinfo is not None
    assert line.version == "1"
    assert line.url is not None
    assert line.url.startswith("file://")
    assert pages[-1].cursor == cursor
    assert not pages[-1].records
    assert not any(p.rejected for p in pages)  # the Summe row is not data


async def test_diff_creates_updates_deletes_and_leaves_the_rest(folder: Path) -> None:
    connector = excel(folder, "budget_*.csv")
    export(folder, "budget_2026-10.csv",
           "RD;4711;01.2026;EUR;100,00;100,00;10,00;genehmigt",
           "RD;4712;02.2026;EUR;200,00;0,00;0,00;offen",
           "MKT;6200;03.2026;EUR;300,00;0,00;0,00;offen", age=120)
    _pages, cursor = await poll(connector)
    export(folder, "budget_2026-11.csv",
           "RD;4711;01.2026;EUR;100,00;100,00;10,00;genehmigt",   # unchanged
           "RD;4712;02.2026;EUR;200,00;0,00;0,00;abgelehnt",      # updated
           "LAUNCH;5100;01.2026;EUR;50,00;50,00;0,00;genehmigt")  # new; MKT vanished
    pages, later = await poll(connector, cursor)
    changed = {r.remote_id: r for r in records(pages)}
    assert set(changed) == {"budgets:RD|4712|2026-02", "budgets:LAUNCH|5100|2026-01",
                            "budgets:MKT|6200|2026-03"}
    assert changed["budgets:RD|4712|2026-02"].payload["status"] == "abgelehnt"
    assert changed["budgets:MKT|6200|2026-03"].deleted
    assert not changed["budgets:LAUNCH|5100|2026-01"].deleted
    versions = {r.version for r in changed.values()}
    assert versions == {"2"}
    first, second = load_cursor(cursor)["budgets"], load_cursor(later)["budgets"]
    assert second.file
    assert second.file.endswith("budget_2026-11.csv")
    assert second.at is not None
    assert first.at is not None
    assert second.at > first.at


async def test_the_same_file_twice_changes_nothing(folder: Path,
                                                   dropped: Callable[..., Path]) -> None:
    connector = excel(folder)
    dropped("budget.xlsx")
    _pages, cursor = await poll(connector)
    pages, again = await poll(connector, cursor)
    assert records(pages) == []
    assert again == cursor
    # The same content under a new name (a re-sent export) is the same version too.
    dropped("budget.xlsx", "budget copy.xlsx", age=10)
    pages, _ = await poll(connector, cursor)
    assert records(pages) == []


async def test_an_xlsx_poll_tells_its_progress_in_rows(folder: Path,
                                                      dropped: Callable[..., Path]) -> None:
    dropped("budget.xlsx")
    pages, _ = await poll(excel(folder, page_size=1))
    shown = [p.progress for p in pages if p.progress is not None]
    assert shown, "no progress on an XLSX sheet, whose dimension says how many rows it has"
    assert {p.unit for p in shown} == {"rows of budget.xlsx"}
    assert shown[-1].done == shown[-1].total
    assert [p.done for p in shown] == sorted(p.done for p in shown)


async def test_a_full_poll_reads_everything_again(folder: Path,
                                                  dropped: Callable[..., Path]) -> None:
    connector = excel(folder)
    dropped("budget_de_bom.csv")
    _pages, _cursor = await poll(connector)
    pages, _ = await poll(connector, None)
    assert len(records(pages)) == 2


async def test_bad_rows_are_rejected_with_their_location_and_the_rest_imports(
        folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("budget_bad_rows.csv")
    pages, cursor = await poll(excel(folder))
    imported = {r.remote_id for r in records(pages)}
    assert imported == {"budgets:RD|4711|2026-01", "budgets:LAUNCH|5100|2026-01",
                        "budgets:MKT|6200|2026-03"}  # MKT's odd status is the mapping's call
    rejected = [r for p in pages for r in p.rejected]
    by_row = {r.payload["row"]: r for r in rejected}
    assert set(by_row) == {3, 4, 5, 7}
    garbled = by_row[3]
    assert garbled.remote_id == "budgets:RD|4712|2026-02"
    assert garbled.location == "budget_bad_rows.csv, row 3, column Plan (E)"
    assert garbled.payload["problems"] == [{
        "column": "Plan", "letter": "E", "value": "12,3,4",
        "reason": "is not a number in this file's format (it writes decimals with a comma)"}]
    assert garbled.payload["cells"]["Plan"] == "12,3,4"
    assert "no value in Projekt" in by_row[5].reason
    assert "repeats the key" in by_row[7].reason
    json.dumps([r.payload for r in rejected])  # storable as JSON
    # The rejected row's key is neither created nor dropped: fixed later, it imports.
    assert "RD|4712|2026-02" not in load_cursor(cursor)["budgets"].rows


async def test_a_row_that_turns_bad_keeps_what_was_imported(folder: Path) -> None:
    connector = excel(folder, "b*.csv")
    export(folder, "b1.csv", "RD;4711;01.2026;EUR;100,00;100,00;10,00;genehmigt", age=120)
    _pages, cursor = await poll(connector)
    export(folder, "b2.csv", "RD;4711;01.2026;EUR;kaputt;100,00;10,00;genehmigt")
    pages, cursor = await poll(connector, cursor)
    assert records(pages) == []  # not deleted, not updated
    assert [r.remote_id for p in pages for r in p.rejected] == ["budgets:RD|4711|2026-01"]
    assert "RD|4711|2026-01" in load_cursor(cursor)["budgets"].rows


@pytest.mark.parametrize(("sample", "message"), [
    ("corrupt.xlsx", "export2.xlsx: is not a complete Excel workbook"),
    ("budget_protected.xlsx", "export2.xlsx: the workbook is password-protected"),
    ("no_header.csv", "export2.csv: no header row found"),
])
async def test_an_unreadable_file_changes_nothing_and_names_the_file(
        folder: Path, sample: str, message: str) -> None:
    connector = excel(folder, "export*")
    shutil.copyfile(SAMPLES / "budget_de_bom.csv", folder / "export1.csv")
    settle(folder / "export1.csv", 3600)
    _pages, cursor = await poll(connector)
    target = folder / f"export2{Path(sample).suffix}"
    shutil.copyfile(SAMPLES / sample, target)
    settle(target, 3600)
    pages, error = await poll_to_error(connector, cursor)
    assert isinstance(error, Permanent)
    assert message in str(error)
    assert "nothing of this file was imported" in str(error)
    assert all(not p.records for p in pages)
    assert all(p.cursor is None for p in pages)  # the snapshot stands


async def test_missing_sheet_is_an_error_naming_the_file(folder: Path,
                                                         dropped: Callable[..., Path]) -> None:
    dropped("budget.xlsx")
    with pytest.raises(Permanent, match=r"budget\.xlsx: has no sheet 'Kosten'"):
        await poll(excel(folder, source={"sheet": "Kosten"}))


async def test_a_file_still_being_copied_is_read_at_a_later_poll(
        folder: Path, dropped: Callable[..., Path]) -> None:
    connector = excel(folder, "*.xlsx")
    dropped("budget_truncated.xlsx", "budget.xlsx", age=30)  # half there, written 30s ago
    with pytest.raises(NotReady, match=r"budget\.xlsx: is not a complete Excel workbook"):
        await poll(connector)
    dropped("budget.xlsx", age=30)  # the copy finished
    pages, cursor = await poll(connector)
    assert len(records(pages)) == 4
    assert load_cursor(cursor)["budgets"].seq == 1


async def test_a_file_modified_seconds_ago_waits(folder: Path,
                                                 dropped: Callable[..., Path]) -> None:
    connector = excel(folder)
    dropped("budget.xlsx", age=1)
    pages, error = await poll_to_error(connector, None)
    assert isinstance(error, NotReady)
    assert "changed 1s ago" in str(error)
    assert all(not p.records for p in pages)


async def test_an_old_truncated_file_is_corrupt(folder: Path,
                                                dropped: Callable[..., Path]) -> None:
    connector = excel(folder, "*.xlsx", incomplete_grace="1m")
    dropped("budget_truncated.xlsx", "budget.xlsx", age=3600)
    with pytest.raises(Permanent, match=r"budget\.xlsx: is not a complete"):
        await poll(connector)


async def test_newest_file_wins_and_lock_files_are_ignored(folder: Path,
                                                           dropped: Callable[..., Path]) -> None:
    dropped("budget_de_bom.csv", "budget_old.csv", age=600)
    dropped("budget_en_utf8.csv", "budget_new.csv", age=60)
    (folder / "~$budget_new.csv").write_bytes(b"\x00lock")
    connector = excel(folder, "*.csv")
    pages, _cursor = await poll(connector)
    assert {r.remote_id for r in records(pages)} == {
        "budgets:RD|4711|2026-01", "budgets:LAUNCH|5100|2026-Q1", "budgets:MKT|6200|2026-03"}


async def test_no_file_yet_changes_nothing(folder: Path) -> None:
    pages, cursor = await poll(excel(folder, "*.xlsx"))
    assert records(pages) == []
    assert load_cursor(cursor) == {}


async def test_list_ids_for_the_delete_scan(folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("budget_zh_gbk.csv")
    ids = await excel(folder).list_ids("budget_line")
    assert ids == {"budgets:RD|8801|2026-01", "budgets:RD|8802|2026-02",
                   "budgets:MKT|8901|2026-03"}


async def test_list_ids_of_an_unreadable_file_raises(folder: Path,
                                                     dropped: Callable[..., Path]) -> None:
    dropped("corrupt.xlsx")
    with pytest.raises(Permanent):  # never "no ids": that would delete every line
        await excel(folder).list_ids("budget_line")


async def test_extra_aliases_and_columns_from_config(folder: Path) -> None:
    path = folder / "export.csv"
    path.write_text("Proj;KST;Zeitraum;Region\nRD;4711;2026-01;Nord\n", encoding="utf-8")
    settle(path)
    connector = excel(folder, columns={"project": ["Proj"], "cost_center": ["KST"],
                                       "period": ["Zeitraum"], "region": ["Region"]})
    pages, _ = await poll(connector)
    assert records(pages)[0].payload == {"project": "RD", "cost_center": "4711",
                                         "period": "2026-01", "region": "Nord"}


async def test_check_reports_each_source(folder: Path, dropped: Callable[..., Path]) -> None:
    dropped("budget.xlsx")
    result = await excel(folder).check()
    assert result.ok
    assert result.detail == "budgets: budget.xlsx"
    with pytest.raises(Permanent, match="does not exist"):
        await excel(folder / "missing").check()


def test_the_entry_point_is_installed() -> None:
    from hub.sdk.registry import discover

    assert discover().kinds["excel"] is ExcelConnector


def test_config_resolves_paths_from_the_config_file(tmp_path: Path) -> None:
    from hub.config.loader import load_config
    from hub.sdk.registry import discover

    (tmp_path / "config.yaml").write_text(
        "connectors:\n  finance:\n    kind: excel\n    sources:\n"
        "      budgets: {path: drop/budget_*.xlsx, sheet: Budget}\n"
        "    reports: [{path: out/portfolio.xlsx}]\n")
    config = load_config(tmp_path / "config.yaml", discover().config_models())
    finance = config.connectors["finance"]
    assert finance.sources["budgets"].path == str(tmp_path / "drop" / "budget_*.xlsx")  # type: ignore[attr-defined]
    assert finance.reports[0].path == str(tmp_path / "out" / "portfolio.xlsx")  # type: ignore[attr-defined]
    assert finance.mapping is not None
    assert finance.mapping.name == "sap_budget.yaml"
    assert finance.poll.every == timedelta(minutes=1)
    assert os.path.exists(finance.mapping)
