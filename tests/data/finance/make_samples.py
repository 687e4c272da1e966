"""Write the finance sample files the excel connector's tests read (and that are checked in):
exports as SAP and finance departments produce them, in their encodings and number formats,
and the broken files a drop folder sees.

    .venv/bin/python tests/data/finance/make_samples.py [OUTDIR]

Text samples are written byte for byte from the strings below; workbooks with openpyxl; the
password-protected workbook with msoffcrypto-tool (a dev dependency).
"""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

# An SAP GUI list exported as "Tabellenkalkulation" (unconverted spreadsheet): UTF-16LE with a
# BOM, tab-separated, a preamble above the header, amounts with SAP's trailing minus.
SAP_UTF16 = (
    "Projektbudgets Übersicht\t\t\t\t\t\t\t\t\n"
    "Buchungskreis 1000\tGeschäftsjahr 2026\t\t\t\t\t\t\t\n"
    "Stand: 02.11.2026\t\t\t\t\t\t\t\t\n"
    "\t\t\t\t\t\t\t\t\n"
    "Projekt\tKostenstelle\tPeriode\tWährung\tPlan\tGenehmigt\tIst\tStatus\tBezeichnung\n"
    "RD\t4711\t001.2026\tEUR\t120.000,00\t120.000,00\t35.210,50\tGenehmigt\tEntwicklung Phase 1\n"
    "RD\t4712\t002.2026\tEUR\t80.000,00\t0,00\t1.250,00-\tOffen\tPrototypen\n"
    "LAUNCH\t5100\t001.2026\tEUR\t45.500,00\t45.500,00\t47.800,25\tGenehmigt\tMesseauftritt\n"
    "MKT\t6200\t003.2026\tEUR\t12.000,00\t0,00\t0,00\tAbgelehnt\tKampagne Q1\n"
    "\t\t\t\t\t\t\t\t\n"
    "Summe\t\t\t\t257.500,00\t165.500,00\t81.760,75\t\t\n"
)

# A German finance workbook saved as CSV by Excel: Windows-1252, semicolons, day-first dates.
DE_CP1252 = (
    "Projekt;Kostenstelle;Periode;Währung;Plan;Genehmigt;Ist;Status;Bezeichnung\r\n"
    "RD;4711;01.2026;EUR;120.000,00;120.000,00;35.210,50;genehmigt;Entwicklung Phase 1\r\n"
    "RD;4712;02.2026;EUR;80.000,00;;1.250,00-;in Prüfung;Prototypen für Messe\r\n"
    "LAUNCH;5100;01.2026;EUR;45.500,00;45.500,00;47.800,25;genehmigt;Messestand Köln\r\n"
    ";;;;;;;;\r\n"
    "Summe;;;;245.500,00;165.500,00;81.760,75;;\r\n"
)

# A Chinese subsidiary's export: GBK, commas, amounts with thousands commas, ￥ in the cell.
ZH_GBK = (
    "项目,成本中心,期间,货币,计划,批准,实际,状态,描述\r\n"
    'RD,8801,2026年1月,CNY,"￥1,200,000.00","￥1,200,000.00","￥356,000.50",已批准,研发一期\r\n'
    'RD,8802,2026年2月,,"￥800,000.00",,"￥12,000.00",待审批,样机\r\n'
    'MKT,8901,2026年3月,CNY,"￥90,000.00",0,0,已拒绝,市场推广\r\n'
)

# An English export from a US controller's spreadsheet: UTF-8 without BOM, negatives in
# parentheses, currency codes in the amount cells, ISO periods.
EN_UTF8 = (
    "Project Key,Cost Center,Fiscal Period,Planned,Approved,Actual,Approval Status\r\n"
    'RD,4711,2026-01,"EUR 120,000.00","EUR 120,000.00","EUR 35,210.50",Approved\r\n'
    'LAUNCH,5100,2026-Q1,"EUR 45,500.00","EUR 45,500.00","(1,200.00)",Approved\r\n'
    'MKT,6200,2026-03,"EUR 12,000.00",,,Pending\r\n'
)

# The same German layout with a UTF-8 BOM (Excel's "CSV UTF-8").
DE_BOM = (
    "\ufeffKostenstelle;Projekt;Periode;Währung;Plan;Genehmigt;Ist;Status\r\n"
    "4711;RD;2026/01;EUR;120.000,00;120.000,00;35.210,50;Genehmigt\r\n"
    "5100;LAUNCH;2026/01;€;45.500,00;45.500,00;47.800,25;Genehmigt\r\n"
)

# Rows a person has to fix: a garbled amount, an impossible period, an unknown status, a row
# without its project, a duplicated key; the good rows around them still import.
BAD_ROWS = (
    "Projekt;Kostenstelle;Periode;Währung;Plan;Genehmigt;Ist;Status\r\n"
    "RD;4711;01.2026;EUR;120.000,00;120.000,00;35.210,50;genehmigt\r\n"
    "RD;4712;02.2026;EUR;12,3,4;0,00;0,00;offen\r\n"
    "RD;4713;00.2026;EUR;1.000,00;0,00;0,00;offen\r\n"
    ";4714;03.2026;EUR;1.000,00;0,00;0,00;offen\r\n"
    "LAUNCH;5100;01.2026;EUR;45.500,00;45.500,00;47.800,25;genehmigt\r\n"
    "LAUNCH;5100;01.2026;EUR;99.999,00;45.500,00;47.800,25;genehmigt\r\n"
    "MKT;6200;03.2026;EUR;12.000,00;0,00;0,00;vielleicht\r\n"
)

NO_HEADER = (
    "Bericht;erstellt am 02.11.2026\r\n"
    "Konto;Betrag;Datum\r\n"
    "4711;1.000,00;01.01.2026\r\n"
)


def budget_workbook() -> bytes:
    """A finance workbook: title rows, German headers, periods as Excel date cells, a formula
    column and a totals row with SUM formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    notes = workbook.active
    notes.title = "Hinweise"
    notes["A1"] = "Budgetplanung 2026 - bitte nur Spalte Status pflegen"
    sheet = workbook.create_sheet("Budget")
    sheet["A1"] = "Projektbudgets 2026"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Stand"
    sheet["B2"] = date(2026, 11, 2)
    sheet["B2"].number_format = "DD.MM.YYYY"
    header = ["Projekt", "Kostenstelle", "Periode", "Währung", "Plan", "Genehmigt", "Ist",
              "Abweichung", "Status"]
    sheet.append([])
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    lines = [
        ("RD", 4711, date(2026, 1, 1), "EUR", 120000, 120000, 35210.5, "Genehmigt"),
        ("RD", 4712, date(2026, 2, 1), "EUR", 80000, 0, -1250, "Offen"),
        ("LAUNCH", 5100, date(2026, 1, 1), "EUR", 45500, 45500, 47800.25, "Genehmigt"),
        ("MKT", 6200, date(2026, 3, 1), "EUR", 12000, 0, 0, "Offen"),
    ]
    for number, (project, center, period, currency, plan, approved, actual, status) in \
            enumerate(lines, start=5):
        sheet.append([project, center, period, currency, plan, approved, actual,
                      f"=F{number}-G{number}", status])
        sheet.cell(row=number, column=3).number_format = "MM.YYYY"
        for column in (5, 6, 7, 8):
            sheet.cell(row=number, column=column).number_format = "#,##0.00"
    total = 5 + len(lines)
    sheet.append(["Summe", None, None, None, f"=SUM(E5:E{total - 1})",
                  f"=SUM(F5:F{total - 1})", f"=SUM(G5:G{total - 1})",
                  f"=SUM(H5:H{total - 1})", None])
    sheet.column_dimensions["A"].width = 14
    _fixed(workbook)
    return _save(workbook)


def plan_workbook() -> bytes:
    """A marketing plan kept in Excel: tasks and milestones, owners, start dates as date cells,
    end dates as bare Excel serial numbers (an export that lost the format), a formula column
    and colours."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Plan"
    sheet.append(["Produktlaunch Atlas - Projektplan"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Nr.", "Projekt", "Aufgabe", "Typ", "Verantwortlich", "Beginn", "Ende",
                  "Dauer (Tage)", "Status", "Jira", "Bemerkung"])
    for cell in sheet[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="305496")
    rows = [
        ("P-1", "LAUNCH", "Pressemitteilung schreiben", "Aufgabe", "ana@acme.example",
         date(2026, 11, 2), 46338, "In Arbeit", "RD-1", "mit PR-Agentur"),
        ("P-2", "LAUNCH", "Messestand buchen", "Aufgabe", "ben@acme.example",
         date(2026, 11, 9), 46345, "Offen", None, None),
        ("P-3", "LAUNCH", "Launch-Event", "Meilenstein", "ana@acme.example",
         date(2026, 12, 1), 46357, "Offen", "RD-2", "Go/No-Go im Lenkungskreis"),
    ]
    for number, row in enumerate(rows, start=3):
        sheet.append([*row[:7], f"=G{number}-F{number}", *row[7:]])
        sheet.cell(row=number, column=6).number_format = "DD.MM.YYYY"
        sheet.cell(row=number, column=9).fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.column_dimensions["C"].width = 32
    sheet.freeze_panes = "A3"
    _fixed(workbook)
    return _save(workbook)


def _fixed(workbook: object) -> None:
    stamp = datetime(2026, 11, 2, 8, 0, 0)
    workbook.properties.created = stamp  # type: ignore[attr-defined]
    workbook.properties.modified = stamp  # type: ignore[attr-defined]
    workbook.properties.creator = "finance"  # type: ignore[attr-defined]
    workbook.properties.lastModifiedBy = "finance"  # type: ignore[attr-defined]


def _save(workbook: object) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def protected(plain: bytes, password: str = "finance") -> bytes:
    """`plain` encrypted as Excel's "Protect with password" does (Agile encryption)."""
    import msoffcrypto.format.ooxml as ooxml

    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def write(outdir: Path = HERE) -> list[Path]:
    """Write every sample into `outdir`; returns the paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    budget = budget_workbook()
    files = {
        "sap_budget_utf16.txt": "\ufeff".encode("utf-16-le") + SAP_UTF16.encode("utf-16-le"),
        "budget_de_cp1252.csv": DE_CP1252.encode("cp1252"),
        "budget_zh_gbk.csv": ZH_GBK.encode("gbk"),
        "budget_en_utf8.csv": EN_UTF8.encode("utf-8"),
        "budget_de_bom.csv": DE_BOM.encode("utf-8"),
        "budget_bad_rows.csv": BAD_ROWS.encode("cp1252"),
        "no_header.csv": NO_HEADER.encode("cp1252"),
        "budget.xlsx": budget,
        "plan.xlsx": plan_workbook(),
        "budget_truncated.xlsx": budget[: len(budget) // 2],
        "corrupt.xlsx": b"PK\x03\x04" + bytes(range(256)) * 4,
        "budget_protected.xlsx": protected(budget),
    }
    paths = []
    for name, data in files.items():
        path = outdir / name
        path.write_bytes(data)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for written in write(target):
        print(written)
