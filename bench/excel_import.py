"""Import a 100,000-row budget workbook: the excel connector's read (parse every cell, hash and
diff every row) against openpyxl alone reading the same file in read-only mode (the floor),
then the whole import through the engine into SQLite.

    .venv/bin/python bench/excel_import.py [--rows 100000] [--no-engine]

Prints rows/s, the ratio to the floor (target: within 3x) and peak RSS (target: < 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.excel.config import ExcelConfig
from connectors.excel.connector import ExcelConnector
from hub.config.models import HubConfig
from hub.sdk.registry import Registry
from hub.store.db import make_engine
from hub.store.tables import metadata
from hub.sync.jobs import poll_connector
from hub.sync.runtime import Runtime

STATUSES = ("Genehmigt", "Offen", "Abgelehnt", "Genehmigt", "Genehmigt")


def make_workbook(path: Path, rows: int) -> None:
    """A finance workbook: title, German headers, numbers, period date cells, statuses."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Budget")
    sheet.append(["Projektbudgets 2026"])
    sheet.append([])
    sheet.append(["Projekt", "Kostenstelle", "Periode", "Währung", "Plan", "Genehmigt", "Ist",
                  "Status", "Bezeichnung"])
    for n in range(rows):
        sheet.append([f"P{n % 500:03d}", 4000 + n // 12, date(2026, n % 12 + 1, 1), "EUR",
                      1000.0 + n, 900.0 + n, 450.5 + (n % 997), STATUSES[n % 5],
                      f"Position {n}"])
    workbook.save(path)


def floor(path: Path) -> tuple[float, int]:
    """openpyxl alone: read-only load and every row's values."""
    import openpyxl

    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook["Budget"].iter_rows(values_only=True))
    workbook.close()
    return time.perf_counter() - started, count


async def connector_read(path: Path) -> tuple[float, int]:
    """The connector's poll: open, find the header, parse, hash and diff every row."""
    connector = ExcelConnector("finance", ExcelConfig.model_validate(
        {"sources": {"budget": {"path": str(path)}}, "settle": "0s", "page_size": 5000}))
    started = time.perf_counter()
    count = 0
    async for page in connector.poll(None):
        count += len(page.records)
    return time.perf_counter() - started, count


async def engine_import(path: Path, folder: Path) -> tuple[float, int]:
    """The whole import through the engine into SQLite (budget lines, links, audit, the gate)."""
    engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
    metadata.create_all(engine)
    registry = Registry()
    registry.add(ExcelConnector)
    config = HubConfig(connectors={"finance": ExcelConfig.model_validate(
        {"sources": {"budget": {"path": str(path)}}, "settle": "0s", "page_size": 5000})})
    rt = Runtime(config, registry, engine)
    started = time.perf_counter()
    tally = await poll_connector(rt, "finance")
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, tally.created


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-engine", action="store_true", help="skip the engine import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "budget.xlsx"
        started = time.perf_counter()
        make_workbook(path, args.rows)
        os.utime(path, (time.time() - 60, time.time() - 60))
        print(f"workbook: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, "
              f"written in {time.perf_counter() - started:.1f}s")
        floor_s, floor_rows = floor(path)
        print(f"floor (openpyxl read-only, values only): {floor_s:.2f}s, "
              f"{floor_rows / floor_s:,.0f} rows/s")
        read_s, read_rows = asyncio.run(connector_read(path))
        print(f"connector read (parse, hash, diff): {read_s:.2f}s, {read_rows / read_s:,.0f} "
              f"rows/s, {read_s / floor_s:.2f}x the floor (target <= 3x)")
        print(f"peak RSS so far: {peak_mb():.0f} MB")
        if not args.no_engine:
            import_s, created = asyncio.run(engine_import(path, folder))
            print(f"engine import into SQLite: {import_s:.2f}s, {created / import_s:,.0f} "
                  f"rows/s ({created:,} budget lines created)")
        print(f"peak RSS: {peak_mb():.0f} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
