"""The connector contract, over a drop folder holding a project plan workbook."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from connectors.excel.connector import ExcelConnector
from hub.errors import Permanent
from hub.sdk.connector import RemoteRecord
from hub.testing.conformance import ConnectorConformance, SandboxDriver
from tests.connectors.excel.conftest import drop, excel, settle


class PlanDriver(SandboxDriver):
    """Acts as a planner editing the workbook in Excel (each save a finished file)."""

    creatable_type = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = drop(folder, "plan.xlsx", age=600)
        self.count = 3
        self.age = 500.0

    def connector(self) -> ExcelConnector:
        return excel(self.folder, "plan*.xlsx", preset="excel_plan")

    def connector_with_bad_credentials(self) -> ExcelConnector:
        return excel(self.folder / "no-such-share", "plan*.xlsx", preset="excel_plan")

    def _save(self, change: Any) -> None:
        workbook = openpyxl.load_workbook(self.path)
        change(workbook["Plan"])
        workbook.save(self.path)
        self.age -= 60  # a later, finished save
        settle(self.path, self.age)

    def user_create(self) -> str:
        self.count += 1
        task_id = f"P-{self.count}"
        self._save(lambda sheet: sheet.append(
            [task_id, "LAUNCH", f"Aufgabe {self.count}", "Aufgabe", "ana@acme.example",
             None, None, None, "Offen"]))
        return f"budgets:{task_id}"

    def user_edit(self, remote_id: str) -> None:
        task_id = remote_id.partition(":")[2]

        def edit(sheet: Any) -> None:
            for row in sheet.iter_rows(min_row=3):
                if row[0].value == task_id:
                    row[2].value = f"{row[2].value} (überarbeitet)"
        self._save(edit)

    def signed_webhook(self, remote_id: str) -> None:
        return None  # a drop folder sends no webhooks

    def push_patch(self) -> Mapping[str, Any]:
        return {"status": "Done"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return bool(record.payload.get("status") == patch["status"])

    def create_values(self) -> Mapping[str, Any]:
        return {}


class TestExcelConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, tmp_path: Path) -> PlanDriver:
        folder = tmp_path / "drop"
        folder.mkdir()
        return PlanDriver(folder)

    async def test_check_refuses_bad_credentials_without_echoing_them(
            self, driver: Any) -> None:
        """A drop folder has no credentials; a share the hub can't reach fails the check."""
        with pytest.raises(Permanent, match="does not exist"):
            await driver.connector_with_bad_credentials().check()


def test_driver_saves_are_finished_files(tmp_path: Path) -> None:
    driver = PlanDriver(tmp_path)
    driver.user_create()
    assert time.time() - driver.path.stat().st_mtime > 60


class BudgetDriver(PlanDriver):
    """Finance re-exporting its budget CSV; the hub never writes budgets (read-only)."""

    read_only = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "budget.csv"
        self.lines = ["Projekt;Kostenstelle;Periode;Plan;Status"]
        self.age = 600.0
        self._write()

    def _write(self) -> None:
        self.path.write_text("\r\n".join(self.lines) + "\r\n", encoding="cp1252")
        self.age -= 60
        settle(self.path, self.age)

    def connector(self) -> ExcelConnector:
        return excel(self.folder, "budget*.csv")

    def connector_with_bad_credentials(self) -> ExcelConnector:
        return excel(self.folder / "no-such-share", "budget*.csv")

    def user_create(self) -> str:
        center = 4700 + len(self.lines)
        self.lines.append(f"RD;{center};01.2026;1.000,00;offen")
        self._write()
        return f"budgets:RD|{center}|2026-01"

    def user_edit(self, remote_id: str) -> None:
        center = remote_id.split("|")[1]
        self.lines = [line.replace("1.000,00", "2.500,00") if f";{center};" in line else line
                      for line in self.lines]
        self._write()

    def push_patch(self) -> Mapping[str, Any]:
        return {"status": "genehmigt"}


class TestReadOnlyBudgetConformance(TestExcelConformance):
    @pytest.fixture
    def driver(self, tmp_path: Path) -> PlanDriver:
        folder = tmp_path / "drop"
        folder.mkdir()
        return BudgetDriver(folder)

    async def test_push_writes_the_patch(self) -> None:  # type: ignore[override]
        pytest.skip("the hub never writes budgets (sap_budget has no writable columns)")
