"""Finance's approval words in the exports' own languages: the usual ones are known, and a word
the mapping doesn't know quarantines its row with a reason that says where to add it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from connectors.excel.config import ExcelConfig
from connectors.excel.connector import ExcelConnector
from hub.config.models import HubConfig
from hub.mapping import default_mapping_path, load_mapping
from hub.model.enums import ApprovalStatus
from hub.sdk.registry import Registry
from hub.store.canonical import BudgetLine
from hub.store.sync import QuarantineItem
from hub.sync.jobs import poll_connector
from hub.sync.runtime import Runtime
from tests.connectors.excel.conftest import settle

HEADER = "项目,成本中心,期间,货币,计划,批准,实际,状态\r\n"


@pytest.mark.parametrize(("word", "expected"), [
    ("批准", "approved"), ("已批准", "approved"), ("驳回", "rejected"), ("已驳回", "rejected"),
    ("待审批", "pending"), ("审批中", "pending"),
    ("Genehmigt", "approved"), ("Abgelehnt", "rejected"), ("Offen", "pending"),
    ("In Prüfung", "pending"),
    ("approved", "approved"), ("Rejected", "rejected"), ("PENDING", "pending"),
])
def test_the_usual_approval_words_are_known(word: str, expected: str) -> None:
    mapping = load_mapping(default_mapping_path("sap_budget")).for_type("budget_line")

    values = mapping.inbound({"project": "RD", "period": "2026-01", "status": word}).values

    assert values["approval_status"] == ApprovalStatus(expected)
    assert values["custom.finance_status"] == word.casefold()  # the export's word is kept


def runtime(engine: Engine, folder: Path, overrides: dict[str, Any] | None = None) -> Runtime:
    config = ExcelConfig.model_validate({"sources": {"cn": {"path": str(folder / "*.csv")}},
                                         "mapping_overrides": overrides or {}})
    registry = Registry()
    registry.add(ExcelConnector)
    return Runtime(HubConfig(connectors={"finance": config}), registry, engine)


def export(folder: Path, rows: str) -> None:
    """A Chinese subsidiary's export: GBK, commas."""
    path = folder / "budget.csv"
    path.write_bytes((HEADER + rows).encode("gbk"))
    settle(path, 600)


@pytest.mark.anyio
async def test_a_rejected_line_in_a_gbk_export_is_rejected_not_quarantined(
        engine: Engine, tmp_path: Path) -> None:
    export(tmp_path, "RD,8801,2026年1月,CNY,1000,0,0,已驳回\r\n")
    rt = runtime(engine, tmp_path)

    tally = await poll_connector(rt, "finance")

    assert (tally.created, tally.quarantined) == (1, 0)
    with rt.sessions() as session:
        line = session.scalars(select(BudgetLine)).one()
        assert line.approval_status is ApprovalStatus.rejected
        assert line.custom["finance_status"] == "已驳回"


@pytest.mark.anyio
async def test_an_unknown_word_says_where_to_add_it_and_added_there_it_imports(
        engine: Engine, tmp_path: Path) -> None:
    export(tmp_path, "RD,8801,2026年1月,CNY,1000,0,0,作废\r\n")

    tally = await poll_connector(runtime(engine, tmp_path), "finance")

    assert tally.quarantined == 1
    with runtime(engine, tmp_path).sessions() as session:
        reason = session.scalars(select(QuarantineItem.reason)).one()
    assert '"作废" at status is not in the value map' in reason
    assert ('To accept it, add "作废": <approval_status value> under connectors.finance.'
            "mapping_overrides.types.budget_line.fields.approval_status.map") in reason

    # Done as the reason says (the export is read again: a changed mapping is a full poll).
    overrides = {"types": {"budget_line": {"fields": {"approval_status": {
        "map": {"作废": "rejected"}}}}}}
    tally = await poll_connector(runtime(engine, tmp_path, overrides), "finance", full=True)

    assert (tally.created, tally.quarantined) == (1, 0)
    with runtime(engine, tmp_path).sessions() as session:
        line = session.scalars(select(BudgetLine)).one()
        assert line.approval_status is ApprovalStatus.rejected
