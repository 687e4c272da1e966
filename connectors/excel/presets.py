"""The tables the connector knows out of the box: SAP budget exports and spreadsheets used as
project plans. Each preset names its columns with the headers these files come with, in
German, English and Chinese; a connector's `columns:` adds aliases or columns of its own.

A preset's remote type is what its mapping file (`mappings/<preset>.yaml`) maps.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.excel.tables import Column, TableSpec


@dataclass(frozen=True)
class Preset:
    """One kind of table: its columns, the columns that identify a row, and the columns the
    hub may write back into the source workbook by default."""

    name: str
    remote_type: str
    spec: TableSpec
    #: alternatives, first one whose columns the file has wins
    keys: tuple[tuple[str, ...], ...]
    writable: tuple[str, ...] = ()


SAP_BUDGET = Preset(
    name="sap_budget",
    remote_type="budget_line",
    spec=TableSpec(columns=(
        Column("project", ("Projekt", "Projektnummer", "Projekt-Nr.", "Projektdefinition",
                           "PSP-Element", "PSP Element", "Project", "Project Key", "Project ID",
                           "WBS Element", "项目", "项目编号", "项目代码"), required=True),
        Column("cost_center", ("Kostenstelle", "Kostenst.", "KOSTL", "Cost Center",
                               "Cost Centre", "成本中心", "成本中心编号")),
        Column("period", ("Periode", "Buchungsperiode", "Geschäftsjahr/Periode", "GJahr/Periode",
                          "Period", "Fiscal Period", "期间", "会计期间"), type="period",
               required=True),
        Column("currency", ("Währung", "Waehrung", "Währg", "Währg.", "WAERS", "Currency",
                            "Curr.", "货币", "币种")),
        Column("planned", ("Plan", "Planwert", "Plankosten", "Budget", "Planned", "Plan Amount",
                           "计划", "计划金额", "预算"), type="money"),
        Column("approved", ("Genehmigt", "Genehmigter Betrag", "Freigegeben", "Approved",
                            "Approved Amount", "批准", "批准金额", "已批准金额"), type="money"),
        Column("actual", ("Ist", "Istwert", "Istkosten", "Actual", "Actuals", "Actual Cost",
                          "实际", "实际金额", "实际成本"), type="money"),
        Column("status", ("Status", "Genehmigungsstatus", "Freigabestatus", "Approval Status",
                          "Approval", "状态", "审批状态")),
        Column("description", ("Bezeichnung", "Beschreibung", "Kurztext", "Description", "Text",
                               "描述", "说明")),
    ), currency="currency"),
    keys=(("project", "cost_center", "period"), ("project", "period")),
)

EXCEL_PLAN = Preset(
    name="excel_plan",
    remote_type="plan_row",
    spec=TableSpec(columns=(
        Column("id", ("ID", "Nr.", "Nr", "Vorgangsnummer", "Vorgang-Nr.", "Task ID", "#",
                      "编号", "任务编号", "序号")),
        Column("project", ("Projekt", "Project", "Project Key", "项目", "项目编号")),
        Column("title", ("Aufgabe", "Vorgang", "Vorgangsname", "Meilenstein / Aufgabe", "Task",
                         "Task Name", "Title", "Name", "Activity", "任务", "任务名称", "名称"),
               required=True),
        Column("type", ("Typ", "Art", "Type", "Kind", "类型")),
        Column("owner", ("Verantwortlich", "Zuständig", "Bearbeiter", "Owner", "Assignee",
                         "Responsible", "负责人", "执行人"), type="email"),
        Column("start", ("Start", "Beginn", "Anfang", "Startdatum", "Start Date", "开始",
                         "开始日期"), type="date"),
        Column("due", ("Ende", "Fällig", "Fälligkeit", "Termin", "Enddatum", "Due", "Due Date",
                       "End", "Finish", "Deadline", "截止日期", "结束日期", "完成日期"),
               type="date"),
        Column("status", ("Status", "Stand", "状态")),
        Column("jira", ("Jira", "Jira Key", "Jira-Schlüssel", "Jira Issue", "Ticket")),
        Column("notes", ("Bemerkung", "Kommentar", "Notes", "Comment", "备注")),
    )),
    keys=(("id",), ("project", "title"), ("title",)),
    writable=("status",),
)

PRESETS = {p.name: p for p in (SAP_BUDGET, EXCEL_PLAN)}
