"""A finance connector with two sources (an SAP export and finance's workbook): each source is
applied on its own, `hub sync` reports each one, and a source whose new file is broken leaves the
others applied, says so, and exits 3 until the file is fixed. The same budget line in both
sources is one line, not two."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from hub.cli.main import app
from hub.config.models import HubConfig
from hub.sdk.registry import Registry
from hub.store.canonical import BudgetLine
from hub.store.db import make_engine
from hub.store.sync import Link
from hub.sync.runtime import Runtime
from tests.connectors.excel.conftest import SAMPLES, settle

CONFIG = """\
database:
  url: "{url}"
  auto_upgrade: true
connectors:
  finance:
    kind: excel
    sources:
      sap: {{path: sap/*.txt}}
      budgets: {{path: workbook/budget_*.*}}
{sync}"""
SAP_HEADER = "Projekt\tKostenstelle\tPeriode\tWährung\tPlan\tGenehmigt\tIst\tStatus\n"
SAP = SAP_HEADER + (
    "RD\t4711\t001.2026\tEUR\t120.000,00\t120.000,00\t35.210,50\tGenehmigt\n"
    "RD\t4712\t002.2026\tEUR\t80.000,00\t0,00\t1.250,00-\tOffen\n")
WORKBOOK = ("Projekt;Kostenstelle;Periode;Währung;Plan;Genehmigt;Ist;Status\r\n"
            "MKT;6200;03.2026;EUR;12.000,00;0,00;0,00;Offen\r\n")


pytestmark = pytest.mark.usefixtures("restore_logging")


def write(path: Path, text: str, age: float, encoding: str = "utf-8") -> None:
    """A finished export (modified `age` seconds ago); SAP's is UTF-16 with a BOM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + text).encode("utf-16-le") if encoding == "utf-16"
                     else text.encode(encoding))
    settle(path, age)


def sync(config: Path) -> Result:
    return CliRunner().invoke(app, ["sync", "finance", "--config", str(config)])


def columns(result: Result) -> dict[str, dict[str, str]]:
    """The summary table as row name -> column heading -> cell."""
    lines = [[c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
             for line in result.stdout.splitlines() if line.count("│") + line.count("┃") > 2]
    header, *rows = lines
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


def lines(engine: Engine) -> dict[str, str]:
    """Live budget lines as "project cost center" -> planned."""
    with Runtime(HubConfig(), Registry(), engine).sessions() as session:
        found = session.scalars(select(BudgetLine).where(BudgetLine.deleted_at.is_(None)))
        return {f"{b.project.key if b.project else None} {b.cost_center}": str(b.planned)
                for b in found}


def test_a_broken_source_leaves_the_other_applied_and_says_so_until_fixed(
        tmp_path: Path, database_url: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=database_url, sync=""))
    write(tmp_path / "sap" / "budget_10.txt", SAP, 7200, "utf-16")
    write(tmp_path / "workbook" / "budget_10.csv", WORKBOOK, 7200, "cp1252")
    first = sync(config)
    assert first.exit_code == 0, first.output
    assert columns(first)["created"] == {"sap": "2", "budgets": "1", "total": "3"}

    # SAP's next export changes one line and drops the other; finance's workbook is replaced
    # by a file that isn't a workbook.
    write(tmp_path / "sap" / "budget_11.txt",
          SAP_HEADER + "RD\t4711\t001.2026\tEUR\t135.000,00\t120.000,00\t35.210,50\tGenehmigt\n",
          3600, "utf-16")
    shutil.copyfile(SAMPLES / "corrupt.xlsx", tmp_path / "workbook" / "budget_11.xlsx")
    settle(tmp_path / "workbook" / "budget_11.xlsx", 3600)
    partly = sync(config)

    assert partly.exit_code == 3, partly.output
    assert "finance: partly synced (budgets failed)" in partly.stdout
    table = columns(partly)
    assert table["applied"] == {"sap": "yes", "budgets": "no", "total": ""}
    assert (table["updated"]["sap"], table["deleted"]["sap"]) == ("1", "1")
    assert table["updated"]["budgets"] == "-"
    assert "finance: budgets not applied: budget_11.xlsx: is not a complete Excel workbook" \
        in partly.stderr
    engine = make_engine(database_url)
    try:
        assert lines(engine) == {"RD 4711": "135000.00", "MKT 6200": "12000.00"}

        # Until the file is fixed, every sync says so, though SAP has nothing new.
        again = sync(config)
        assert again.exit_code == 3, again.output
        assert columns(again)["read"]["sap"] == "0"
        assert "budgets not applied: budget_11.xlsx" in again.stderr

        write(tmp_path / "workbook" / "budget_12.csv",
              WORKBOOK.replace("12.000,00", "15.000,00"), 600, "cp1252")
        fixed = sync(config)
        assert fixed.exit_code == 0, fixed.output
        assert "not applied" not in fixed.stderr
        assert columns(fixed)["applied"] == {"sap": "yes", "budgets": "yes", "total": ""}
        assert lines(engine)["MKT 6200"] == "15000.00"
    finally:
        engine.dispose()


def test_the_same_line_in_both_sources_is_one_line(tmp_path: Path, database_url: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=database_url, sync=""))
    both = "RD;4711;01.2026;EUR;135.000,00;135.000,00;0,00;Genehmigt\r\n"
    write(tmp_path / "sap" / "budget_10.txt",
          SAP_HEADER + "RD\t4711\t001.2026\tEUR\t135.000,00\t135.000,00\t0,00\tGenehmigt\n",
          7200, "utf-16")
    write(tmp_path / "workbook" / "budget_10.csv", WORKBOOK + both, 7200, "cp1252")

    result = sync(config)

    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    try:
        assert lines(engine) == {"RD 4711": "135000.00", "MKT 6200": "12000.00"}
        with Runtime(HubConfig(), Registry(), engine).sessions() as session:
            line = session.scalars(select(BudgetLine).where(BudgetLine.cost_center == "4711"))\
                .one()
            sources = set(session.scalars(select(Link.remote_id).where(
                Link.record_id == line.id, Link.deleted_at.is_(None))))
        assert sources == {"sap:RD|4711|2026-01", "budgets:RD|4711|2026-01"}

        # SAP stops reporting the line: the workbook still has it, so it stays.
        write(tmp_path / "sap" / "budget_11.txt", SAP_HEADER, 3600, "utf-16")
        assert sync(config).exit_code == 0
        assert lines(engine) == {"RD 4711": "135000.00", "MKT 6200": "12000.00"}
    finally:
        engine.dispose()


def test_budget_lines_can_be_told_not_to_match(tmp_path: Path, database_url: str) -> None:
    """`sync.entities.budget_line.match: []`: two sources are two lines (e.g. a plan and an
    actuals export that finance wants side by side)."""
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=database_url, sync=(
        "sync:\n  entities:\n    budget_line:\n      match: []\n")))
    write(tmp_path / "sap" / "budget_10.txt",
          SAP_HEADER + "RD\t4711\t001.2026\tEUR\t135.000,00\t0,00\t0,00\tOffen\n",
          7200, "utf-16")
    write(tmp_path / "workbook" / "budget_10.csv",
          WORKBOOK.splitlines()[0] + "\r\nRD;4711;01.2026;EUR;135.000,00;0,00;0,00;Offen\r\n",
          7200, "cp1252")

    result = sync(config)

    assert result.exit_code == 0, result.output
    assert columns(result)["created"]["total"] == "2"
