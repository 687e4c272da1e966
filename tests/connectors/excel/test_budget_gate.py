"""End to end on the real engine and the test database: finance's exports set each project's
budget gate, and a line switched to rejected in a newly dropped export reaches the project's
`budget_status`, its tasks, and the linked Jira issue's "Hub budget status" field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connectors.excel.config import ExcelConfig
from connectors.excel.connector import ExcelConnector
from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.config.models import HubConfig
from hub.model.enums import Entity
from hub.sdk.config import PollConfig
from hub.sdk.registry import Registry
from hub.store.canonical import BudgetLine, Project
from hub.store.sync import AuditEntry, QuarantineItem
from hub.sync.jobs import poll_connector, push_due
from hub.sync.records import RecordStore
from hub.sync.reports import publish_reports
from hub.sync.runtime import Runtime
from hub.testing.server import RunningServer
from tests.connectors.excel.conftest import drop, settle
from tests.connectors.jira.conftest import sandbox, sandbox_server  # noqa: F401
from tests.connectors.jira.drivers import jira_config

pytestmark = pytest.mark.anyio

#: the Jira mapping as the demo configures it: the gate on every issue, written only
JIRA_BUDGET_FIELD = {"types": {"issue": {"fields": {"custom.budget_status": {
    "from": "fields.customfield_10050.value", "dir": "out"}}}}}

REJECTED = ("Projekt\tKostenstelle\tPeriode\tWährung\tPlan\tGenehmigt\tIst\tStatus\n"
            "RD\t4711\t001.2026\tEUR\t120.000,00\t120.000,00\t35.210,50\tGenehmigt\n"
            "RD\t4712\t002.2026\tEUR\t80.000,00\t0,00\t1.250,00-\tAbgelehnt\n"
            "LAUNCH\t5100\t001.2026\tEUR\t45.500,00\t45.500,00\t47.800,25\tGenehmigt\n")


def runtime(engine: Engine, folder: Path, jira_url: str | None = None) -> Runtime:
    connectors: dict[str, Any] = {"finance": ExcelConfig.model_validate({
        "sources": {"sap": {"path": str(folder / "budget_*.txt")}},
        "reports": [{"path": str(folder / "out" / "portfolio.xlsx")}]})}
    registry = Registry()
    registry.add(ExcelConnector)
    if jira_url:
        connectors["rd-jira"] = jira_config(jira_url, mapping_overrides=JIRA_BUDGET_FIELD,
                                            poll=PollConfig(every=timedelta(minutes=10)))
        registry.add(JiraConnector)
    return Runtime(HubConfig(connectors=connectors), registry, engine)


def gates(engine: Engine) -> dict[str, str]:
    with Runtime(HubConfig(), Registry(), engine).sessions() as session:
        return {str(p.key): p.budget_status.value for p in session.scalars(select(Project))}


async def test_budget_lines_from_a_file_set_the_projects_budget_status(
        engine: Engine, tmp_path: Path) -> None:
    rt = runtime(engine, tmp_path)
    drop(tmp_path, "sap_budget_utf16.txt", "budget_2026-10.txt", age=600)
    tally = await poll_connector(rt, "finance")
    assert (tally.created, tally.quarantined) == (4, 0)
    assert tally.derived >= 3
    # RD: one line approved, one still open; LAUNCH: actual 47.800,25 over 45.500,00;
    # MKT: rejected.
    assert gates(engine) == {"RD": "pending", "LAUNCH": "over_budget", "MKT": "rejected"}
    with rt.sessions() as session:
        line = session.scalars(select(BudgetLine).where(BudgetLine.cost_center == "4712")).one()
        assert (str(line.planned), str(line.actual), line.period) == ("80000.00", "-1250.00",
                                                                        "2026-02")
        assert line.custom == {"finance_status": "offen", "budget_text": "Prototypen"}
        rd = session.scalars(select(Project).where(Project.key == "RD")).one()
        assert rd.provenance["budget_status"]["source"] == "derive:budget_status"
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.record_id == rd.id, AuditEntry.source == "derive:budget_status")).one()
        assert audit.changes == {"budget_status": {"old": "unknown", "new": "pending"}}

    # The next export: RD's open line rejected, MKT's line gone.
    path = tmp_path / "budget_2026-11.txt"
    path.write_bytes("\ufeff".encode("utf-16-le") + REJECTED.encode("utf-16-le"))
    settle(path, 60)
    tally = await poll_connector(rt, "finance")
    # (RD 4711 and LAUNCH come again, their description column gone: changed rows to the
    # connector, unchanged to the hub, which keeps what it had.)
    assert (tally.created, tally.updated, tally.deleted, tally.unchanged) == (0, 1, 1, 2)
    assert gates(engine) == {"RD": "rejected", "LAUNCH": "over_budget", "MKT": "unknown"}

    # The same export again changes nothing.
    tally = await poll_connector(rt, "finance")
    assert tally.read == 0

    # The portfolio workbook is written from the reconciled data, and only after changes.
    assert await publish_reports(rt, "finance") == ["portfolio"]
    assert await publish_reports(rt, "finance") == []
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "out" / "portfolio.xlsx")["Portfolio"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    summary = dict(zip(header, rows["RD"], strict=True))
    assert summary["Budget"] == "rejected"
    assert summary["Approved"] == 120000
    assert summary["Planned"] == 200000
    assert "budget rejected" in str(summary["Risks"])


async def test_bad_rows_are_quarantined_with_their_location(engine: Engine,
                                                            tmp_path: Path) -> None:
    rt = runtime(engine, tmp_path)
    drop(tmp_path, "budget_bad_rows.csv", "budget_bad.txt", age=600)
    tally = await poll_connector(rt, "finance")
    assert tally.created == 2  # RD 4711 and LAUNCH 5100
    assert tally.quarantined == 5  # 4 rows the connector rejects, 1 status the mapping doesn't know
    with rt.sessions() as session:
        items = {i.location: i for i in session.scalars(select(QuarantineItem))}
    assert "budget_bad.txt, row 3, column Plan (E)" in items
    garbled = items["budget_bad.txt, row 3, column Plan (E)"]
    assert garbled.remote_id == "sap:RD|4712|2026-02"
    assert "'12,3,4' is not a number" in garbled.reason
    unknown = next(i for i in items.values() if i.remote_id == "sap:MKT|6200|2026-03")
    assert "vielleicht" in unknown.reason


async def test_a_rejected_budget_reaches_the_linked_jira_issue(
        engine: Engine, tmp_path: Path, sandbox: JiraSandbox,  # noqa: F811
        sandbox_server: RunningServer) -> None:  # noqa: F811
    issue = sandbox.create_issue("RD", "Build the prototype")
    rt = runtime(engine, tmp_path, sandbox_server.url)
    try:
        await poll_connector(rt, "rd-jira")
        drop(tmp_path, "sap_budget_utf16.txt", "budget_2026-10.txt", age=600)
        await poll_connector(rt, "finance")
        await push_due(rt)
        field = sandbox.issue(issue["key"])["fields"]["customfield_10050"]
        assert field["value"] == "pending"

        path = tmp_path / "budget_2026-11.txt"
        path.write_bytes("\ufeff".encode("utf-16-le") + REJECTED.encode("utf-16-le"))
        settle(path, 60)
        await poll_connector(rt, "finance")
        assert gates(engine)["RD"] == "rejected"
        outcomes = await push_due(rt)
        assert [o.state for o in outcomes] == ["done"]
        assert sandbox.issue(issue["key"])["fields"]["customfield_10050"]["value"] == "rejected"
        with rt.sessions() as session:
            store = RecordStore(session)
            task = next(iter(store.load(Entity.task, session.scalars(
                select(AuditEntry.record_id).where(AuditEntry.entity == Entity.task)))
                .values()))
            assert task.custom["budget_status"] == "rejected"
        # The hub's own write comes back from Jira as an echo that changes nothing.
        tally = await poll_connector(rt, "rd-jira")
        assert tally.updated == 0
        assert not await push_due(rt)
    finally:
        await rt.aclose()


async def test_a_budget_line_back_in_the_next_export_is_restored(
        engine: Engine, tmp_path: Path) -> None:
    rt = runtime(engine, tmp_path)
    drop(tmp_path, "sap_budget_utf16.txt", "budget_2026-10.txt", age=600)
    await poll_connector(rt, "finance")
    gone = tmp_path / "budget_2026-11.txt"
    gone.write_bytes("\ufeff".encode("utf-16-le") + REJECTED.encode("utf-16-le"))
    settle(gone, 300)
    assert (await poll_connector(rt, "finance")).deleted == 1  # MKT's line is not in it
    assert gates(engine)["MKT"] == "unknown"

    drop(tmp_path, "sap_budget_utf16.txt", "budget_2026-12.txt", age=60)  # and back it is
    tally = await poll_connector(rt, "finance")

    assert tally.restored == 1
    assert gates(engine)["MKT"] == "rejected"
    with rt.sessions() as session:
        line = session.scalars(select(BudgetLine).where(BudgetLine.cost_center == "6200")).one()
        assert line.deleted_at is None
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.record_id == line.id).order_by(AuditEntry.id)))
    assert actions[:3] == ["create", "delete", "restore"]
