"""Finance's side of the demo: SAP budget exports dropped in a folder, as SAP writes them
("spreadsheet" export: UTF-16, tab-separated, a title block above German headers, numbers as
1.234,56 with a trailing minus for credits)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hub.demo.cast import Company

HEADER = ["Projekt", "Kostenstelle", "Periode", "Währung", "Plan", "Genehmigt", "Ist",
          "Status", "Bezeichnung"]


@dataclass(frozen=True)
class BudgetRow:
    project: str
    cost_center: str
    planned: Decimal
    approved: Decimal
    actual: Decimal
    status: str  # Genehmigt, Offen, Abgelehnt


def budgets(company: Company) -> list[BudgetRow]:
    """One approved budget line per project, the way finance planned the year."""
    rows = []
    for n, plan in enumerate(company.plans):
        planned = Decimal(40_000 + 15_000 * n)
        rows.append(BudgetRow(plan.key, str(4711 + n), planned, planned,
                              (planned * Decimal("0.35")).quantize(Decimal("0.01")),
                              "Genehmigt"))
    return rows


def sap_number(value: Decimal) -> str:
    """1234.5 -> 1.234,50; negatives with SAP's trailing minus."""
    text = f"{abs(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text}-" if value < 0 else text


def write_export(folder: Path, name: str, rows: list[BudgetRow], period: str = "011.2026",
                 age: float = 0.0) -> Path:
    """Drop an export into `folder` the way a copy job does: written aside, then renamed;
    `age` seconds old (an export that was there before the hub started)."""
    lines = ["Projektbudgets Übersicht", "Buchungskreis 1000\tGeschäftsjahr 2026",
             "", "\t".join(HEADER)]
    lines += ["\t".join([r.project, r.cost_center, period, "EUR", sap_number(r.planned),
                         sap_number(r.approved), sap_number(r.actual), r.status,
                         f"Budget {r.project}"]) for r in rows]
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.part"
    partial.write_text("\r\n".join(lines) + "\r\n", encoding="utf-16")
    target = folder / name
    partial.replace(target)
    if age:
        then = time.time() - age
        os.utime(target, (then, then))
    return target
