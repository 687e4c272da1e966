"""Reading the sample exports: encodings, delimiters, header detection, aliases, values; and
the files that can't be read at all."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.excel.presets import EXCEL_PLAN, SAP_BUDGET
from connectors.excel.readers import open_table
from connectors.excel.tables import (
    CorruptFile,
    HeaderNotFound,
    PasswordProtected,
    ReadOptions,
    SheetMissing,
    UnsupportedFormat,
    is_totals_row,
)
from tests.connectors.excel.conftest import SAMPLES

RD_4711 = {"project": "RD", "cost_center": "4711", "period": "2026-01", "currency": "EUR",
           "planned": Decimal("120000.00"), "approved": Decimal("120000.00"),
           "actual": Decimal("35210.50")}


def read(name: str, **options: object) -> tuple[object, list[dict[str, object]]]:
    spec = EXCEL_PLAN.spec if name.startswith("plan") else SAP_BUDGET.spec
    with open_table(SAMPLES / name, spec, ReadOptions(**options)) as table:  # type: ignore[arg-type]
        rows = [r for r in table.rows() if not is_totals_row(r)]
        assert all(not r.problems for r in rows), [r.problems for r in rows]
        return table, [r.values for r in rows]


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("sap_budget_utf16.txt", "utf-16", "\t"),
    ("budget_de_cp1252.csv", "cp1252", ";"),
    ("budget_de_bom.csv", "utf-8-sig", ";"),
    ("budget_en_utf8.csv", "utf-8", ","),
])
def test_csv_encodings_and_delimiters_are_detected(name: str, encoding: str,
                                                    delimiter: str) -> None:
    table, rows = read(name)
    assert (table.encoding, table.delimiter) == (encoding, delimiter)  # type: ignore[attr-defined]
    first = {k: v for k, v in rows[0].items() if k in RD_4711}
    assert first == RD_4711


def test_sap_spreadsheet_export_in_utf16_with_a_preamble() -> None:
    table, rows = read("sap_budget_utf16.txt")
    assert table.header_row == 5  # type: ignore[attr-defined]
    assert [r["project"] for r in rows] == ["RD", "RD", "LAUNCH", "MKT"]
    assert rows[1]["actual"] == Decimal("-1250.00")  # 1.250,00- : SAP's trailing minus
    assert rows[3]["status"] == "Abgelehnt"


def test_windows_1252_keeps_umlauts() -> None:
    _table, rows = read("budget_de_cp1252.csv")
    assert rows[1]["status"] == "in Prüfung"
    assert rows[2]["description"] == "Messestand Köln"
    assert rows[1]["approved"] is None


def test_gbk_with_chinese_headers_and_yuan_in_the_cells() -> None:
    table, rows = read("budget_zh_gbk.csv")
    assert table.encoding == "gbk"  # type: ignore[attr-defined]
    assert table.headers["cost_center"] == "成本中心"  # type: ignore[attr-defined]
    assert rows[0]["planned"] == Decimal("1200000.00")
    assert rows[1]["currency"] == "CNY"  # empty currency cell: the ￥ of its amounts
    assert rows[2]["status"] == "已拒绝"
    assert rows[0]["period"] == "2026-01"


def test_english_export_with_currency_in_the_amounts() -> None:
    _table, rows = read("budget_en_utf8.csv")
    assert rows[1]["actual"] == Decimal("-1200.00")  # (1,200.00)
    assert rows[1]["period"] == "2026-Q1"
    assert {r["currency"] for r in rows} == {"EUR"}


def test_workbook_finds_its_sheet_and_header_below_a_title() -> None:
    table, rows = read("budget.xlsx")
    assert (table.sheet, table.header_row) == ("Budget", 4)  # type: ignore[attr-defined]
    assert rows[0] == {**RD_4711, "status": "Genehmigt"}
    assert rows[1]["period"] == "2026-02"  # a date cell in a period column


def test_plan_workbook_with_date_cells_and_bare_excel_serials() -> None:
    _table, rows = read("plan.xlsx")
    assert rows[0]["start"].isoformat() == "2026-11-02"  # type: ignore[attr-defined]
    assert rows[0]["due"].isoformat() == "2026-11-12"  # type: ignore[attr-defined]  # 46338
    assert rows[2]["type"] == "Meilenstein"
    assert rows[0]["owner"] == "ana@acme.example"


def test_configured_header_row_and_encoding() -> None:
    table, rows = read("budget_de_cp1252.csv", header_row=1, encoding="cp1252", delimiter=";")
    assert table.header_row == 1  # type: ignore[attr-defined]
    assert len(rows) == 3


def test_bad_cells_name_file_row_and_column() -> None:
    with open_table(SAMPLES / "budget_bad_rows.csv", SAP_BUDGET.spec) as table:
        problems = {r.number: r.problems for r in table.rows() if r.problems}
    assert set(problems) == {3, 4}
    line = problems[3][0].describe(table.name, table.sheet, 3)
    assert line.startswith("budget_bad_rows.csv, row 3, column Plan (E): '12,3,4' is not a number")
    assert problems[4][0].column == "period"


def test_corrupt_workbook() -> None:
    with pytest.raises(CorruptFile, match=r"^corrupt\.xlsx: "):
        open_table(SAMPLES / "corrupt.xlsx", SAP_BUDGET.spec)


def test_truncated_workbook_may_still_be_copying() -> None:
    with pytest.raises(CorruptFile) as info:
        open_table(SAMPLES / "budget_truncated.xlsx", SAP_BUDGET.spec)
    assert info.value.incomplete
    assert "budget_truncated.xlsx" in str(info.value)


def test_password_protected_workbook() -> None:
    with pytest.raises(PasswordProtected, match=r"budget_protected\.xlsx: .*password"):
        open_table(SAMPLES / "budget_protected.xlsx", SAP_BUDGET.spec)


def test_missing_sheet_names_the_sheets_there_are() -> None:
    with pytest.raises(SheetMissing, match=r"budget\.xlsx: has no sheet 'Kosten' \(sheets: "
                                           r"Hinweise, Budget\)"):
        open_table(SAMPLES / "budget.xlsx", SAP_BUDGET.spec, ReadOptions(sheet="Kosten"))


def test_header_not_found_says_which_columns_are_missing() -> None:
    with pytest.raises(HeaderNotFound) as info:
        open_table(SAMPLES / "no_header.csv", SAP_BUDGET.spec)
    assert str(info.value).startswith("no_header.csv: no header row found")
    assert "project (Projekt" in str(info.value)


def test_legacy_xls_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "budget.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnsupportedFormat, match="Excel 97-2003"):
        open_table(old, SAP_BUDGET.spec)


def test_utf16_cut_in_the_middle_of_a_character(tmp_path: Path) -> None:
    data = (SAMPLES / "sap_budget_utf16.txt").read_bytes()
    cut = tmp_path / "sap.txt"
    cut.write_bytes(data[:-1])
    with pytest.raises(CorruptFile) as info:
        open_table(cut, SAP_BUDGET.spec)
    assert info.value.incomplete


def test_an_empty_file_may_still_be_copying(tmp_path: Path) -> None:
    empty = tmp_path / "budget.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFile) as info:
        open_table(empty, SAP_BUDGET.spec)
    assert info.value.incomplete


def test_sap_list_output_with_pipes(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(
        "---------------------------------------------------\n"
        "| Projekt | Kostenstelle | Periode  | Plan        |\n"
        "---------------------------------------------------\n"
        "| RD      | 4711         | 001.2026 | 1.234,56-   |\n"
        "---------------------------------------------------\n", encoding="cp1252")
    with open_table(listing, SAP_BUDGET.spec) as table:
        rows = list(table.rows())
    assert [r.values["planned"] for r in rows] == [Decimal("-1234.56")]


def test_samples_are_what_make_samples_writes(tmp_path: Path) -> None:
    """The checked-in samples are regenerated by the checked-in script (text ones exactly)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path)
    for name in ("sap_budget_utf16.txt", "budget_de_cp1252.csv", "budget_zh_gbk.csv",
                 "budget_en_utf8.csv", "budget_de_bom.csv", "budget_bad_rows.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
    shutil.rmtree(tmp_path)
