"""The `hr_csv` kind: people from HR systems that only export files (DingTalk, Personio or
SAP HCM downloads, a spreadsheet HR keeps), read with the finance connector's machinery.

A drop folder or glob per source, CSV or XLSX in any of the encodings and layouts that reader
detects; headers in English, German or Chinese; each new file version is diffed against the
last one (new, changed and vanished people), and a bad row is quarantined with its file, row
and column. Like every HR kind it is the authority on a person's name, department, manager
and employment status, and the hub never writes to it. Columns the mapping doesn't read
(salary, ID numbers, ...) are never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field

from connectors.excel.config import ExcelConfig, WriteBackConfig
from connectors.excel.connector import ExcelConnector
from connectors.excel.presets import PRESETS, Preset
from connectors.excel.tables import Column, TableSpec
from connectors.hr.config import HR_AUTHORITY
from hub.errors import Permanent
from hub.sdk.connector import LinkRef, RemoteRecord

HR_PEOPLE = Preset(
    name="hr_csv",
    remote_type="employee",
    spec=TableSpec(columns=(
        Column("employee_id", ("Employee ID", "Employee Number", "Personnel Number", "ID",
                               "Personalnummer", "Personal-Nr.", "Mitarbeiter-ID", "工号",
                               "员工编号", "员工ID")),
        Column("email", ("Work Email", "E-mail", "Email", "Email Address", "E-Mail",
                         "E-Mail-Adresse", "Geschäftliche E-Mail", "邮箱", "工作邮箱",
                         "企业邮箱", "电子邮件"), type="email", required=True),
        Column("name", ("Name", "Full Name", "Display Name", "Employee", "Employee Name",
                        "Mitarbeiter", "Mitarbeitername", "姓名", "员工姓名")),
        Column("first_name", ("First Name", "Given Name", "Vorname", "名")),
        Column("last_name", ("Last Name", "Surname", "Family Name", "Nachname", "姓")),
        Column("department", ("Department", "Org Unit", "Organizational Unit", "Team",
                              "Abteilung", "Bereich", "Organisationseinheit", "部门",
                              "所属部门")),
        Column("manager", ("Manager Email", "Manager E-mail", "Reports To Email",
                           "Vorgesetzter E-Mail", "Führungskraft E-Mail", "直属上级邮箱",
                           "主管邮箱"), type="email"),
        Column("status", ("Status", "Employment Status", "Beschäftigungsstatus", "Status MA",
                          "在职状态", "员工状态", "状态")),
    )),
    keys=(("employee_id",), ("email",)),
)
PRESETS.setdefault(HR_PEOPLE.name, HR_PEOPLE)


class HrCsvConfig(ExcelConfig):
    """HR exports (CSV or XLSX) dropped in a folder: people, read only."""

    authority: ClassVar[Mapping[str, tuple[str, ...]]] = HR_AUTHORITY
    kind: Literal["hr_csv"] = "hr_csv"  # type: ignore[assignment]
    preset: Literal["hr_csv"] = Field(  # type: ignore[assignment]
        default="hr_csv", description="what the files hold: people (the only choice here)")
    write_back: WriteBackConfig = Field(
        default_factory=lambda: WriteBackConfig(enabled=False),
        description="always off: the hub never writes to HR")


class HrCsvConnector(ExcelConnector):
    """People from HR's exported files; HR is read-only for the hub."""

    kind = "hr_csv"
    config_model = HrCsvConfig
    remote_types = {"employee": "person"}

    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        raise Permanent("HR is read-only for the hub: change people in the HR system")

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        raise Permanent("HR is read-only for the hub: hire people in the HR system")
