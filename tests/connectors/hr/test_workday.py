"""The Workday report kind: the report read whole (JSON or CSV, Basic or bearer auth), diffed
against the last snapshot kept in the cursor: new, changed and gone workers; columns the
mapping doesn't read are never kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.hr.config import WorkdayReportConfig
from connectors.hr.sandbox.workday import WorkdaySandbox
from connectors.hr.workday import WorkdayReportConnector
from hub.errors import AuthenticationFailed, Permanent
from hub.mapping import default_mapping_path, load_mapping
from hub.sdk.connector import LinkRef
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
def workday() -> Iterator[tuple[WorkdaySandbox, RunningServer]]:
    sandbox = WorkdaySandbox()
    sandbox.seed(4)
    with serve(sandbox.app) as running:
        yield sandbox, running


def _connector(url: str, **settings: Any) -> WorkdayReportConnector:
    config = WorkdayReportConfig(url=url, **({"username": "ISU_Hub",
                                              "password": SecretStr("workday-pass")}
                                             | settings))
    connector = WorkdayReportConnector("workday", config)
    connector.use_mapping(load_mapping(default_mapping_path("workday_report")))
    return connector


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_new_changed_and_gone_workers_from_snapshot_diffs(
        workday: tuple[WorkdaySandbox, RunningServer], fmt: str) -> None:
    sandbox, running = workday
    connector = _connector(running.url + sandbox.path, format=fmt)
    first, cursor = await poll_all(connector, None)
    assert sorted(r.remote_id for r in first) == ["21001", "21002", "21003", "21004"]
    assert "Annual_Base_Pay" not in first[0].payload  # not mapped: never kept
    values = load_mapping(default_mapping_path("workday_report")).for_type("worker").inbound(
        next(r for r in first if r.remote_id == "21002").payload).values
    assert values["email"] == "ben.tanaka@example.com"
    assert values["manager"] == "ada.okafor@example.com"

    same, cursor = await poll_all(connector, cursor)
    assert same == []  # nothing changed: nothing to read
    sandbox.update_worker("21002", Supervisory_Organization="Sales")
    sandbox.update_worker("21003", Annual_Base_Pay="99000")  # unmapped: not a change
    sandbox.remove_worker("21004")
    hired = sandbox.add_worker("Dev Patel", "dev.patel@example.com", "Engineering")
    later, cursor = await poll_all(connector, cursor)
    assert sorted((r.remote_id, r.deleted) for r in later) == [
        ("21002", False), ("21004", True), (hired, False)]
    assert await connector.list_ids("worker") == {"21001", "21002", "21003", hired}
    await connector.aclose()


async def test_bearer_auth_and_refusals(workday: tuple[WorkdaySandbox, RunningServer]) -> None:
    sandbox, running = workday
    url = running.url + sandbox.path
    bearer = WorkdayReportConnector("workday", WorkdayReportConfig(
        url=url, token=SecretStr("workday-token")))
    assert (await bearer.check()).detail == "4 workers in the report"
    wrong = WorkdayReportConnector("workday", WorkdayReportConfig(
        url=url, username="ISU_Hub", password=SecretStr("nope")))
    with pytest.raises(AuthenticationFailed):
        await wrong.check()
    with pytest.raises(Permanent, match="read-only"):
        await bearer.push(LinkRef("worker", "21001", {}), {"Worker": "x"})
    with pytest.raises(ValueError, match="either token"):
        WorkdayReportConfig(url=url, token=SecretStr("t"), username="u",
                            password=SecretStr("p"))
    await bearer.aclose()
    await wrong.aclose()
