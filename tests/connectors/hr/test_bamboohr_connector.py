"""The BambooHR connector's own behaviour: reading changed employees in batches with their
managers' e-mails, only the fields the mapping maps, time off over a window, read-only, the
network's edge cases (429, 5xx), and webhooks verified in constant time within a tolerance."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import httpx
import pytest
import respx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.hr.bamboohr import BambooHRConnector
from connectors.hr.sandbox import BambooHRSandbox
from hub.config.models import HubConfig
from hub.errors import Permanent, Retriable
from hub.mapping import default_mapping_path, load_mapping
from hub.sdk.connector import LinkRef, WebhookRejected
from hub.sdk.registry import Registry
from hub.store.sync import InboxItem
from hub.sync.inbox import receive
from hub.sync.runtime import Runtime
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer
from tests.connectors.hr.drivers import WEBHOOK_KEY, bamboo_config

pytestmark = pytest.mark.anyio
BASE = "https://acme.bamboohr.com"


@pytest.fixture
def hr(bamboo_server: RunningServer) -> BambooHRConnector:
    connector = BambooHRConnector("hr", bamboo_config(bamboo_server.url, batch_size=2))
    connector.use_mapping(load_mapping(default_mapping_path("bamboohr")))
    return connector


async def test_changed_employees_come_in_batches_with_their_managers_emails(
        bamboo: BambooHRSandbox, hr: BambooHRConnector) -> None:
    pages = [page async for page in hr.poll(None)]
    employees = [r for p in pages for r in p.records if r.remote_type == "employee"]
    assert [len([r for r in p.records if r.remote_type == "employee"]) for p in pages] == \
        [2, 1, 0]  # batch_size 2; the cursor comes with the last page only
    assert [p.cursor is None for p in pages] == [True, True, False]
    ben = next(r for r in employees if r.remote_id == "102")
    assert ben.payload["reportsToEmail"] == "ada.okafor@example.com"
    assert ben.updated_at is not None
    assert ben.updated_at.tzinfo is not None
    person = load_mapping(default_mapping_path("bamboohr")).for_type("employee").inbound(
        ben.payload).values
    assert person == {"email": "ben.tanaka@example.com", "display_name": "Ben Tanaka",
                      "department": "Engineering", "manager": "ada.okafor@example.com",
                      "employment_status": person["employment_status"]}
    assert person["employment_status"].value == "active"
    await hr.aclose()


async def test_only_the_fields_the_mapping_maps_are_read(
        bamboo: BambooHRSandbox, hr: BambooHRConnector) -> None:
    records, _ = await poll_all(hr, None)
    assert bamboo.fields_asked == {"workEmail", "displayName", "department", "reportsToId",
                                   "status"}
    assert not any("payRate" in r.payload or "ssn" in r.payload for r in records)
    # A mapping that asks for the job title gets it; nothing else comes along.
    hr.use_mapping(load_mapping(default_mapping_path("bamboohr"), {"types": {"employee": {
        "fields": {"custom.job_title": {"from": "jobTitle", "dir": "in"}}}}}))
    bamboo.update_employee(102, jobTitle="Staff Engineer")
    records, _ = await poll_all(hr, None)
    ben = next(r for r in records if r.remote_id == "102")
    assert ben.payload["jobTitle"] == "Staff Engineer"
    assert "payRate" not in ben.payload
    await hr.aclose()


async def test_deleted_employees_are_tombstones_and_terminations_a_status(
        bamboo: BambooHRSandbox, hr: BambooHRConnector) -> None:
    _, cursor = await poll_all(hr, None)
    bamboo.terminate(102)
    bamboo.delete_employee(103)
    records, _ = await poll_all(hr, cursor)
    by_id = {r.remote_id: r for r in records if r.remote_type == "employee"}
    assert by_id["103"].deleted
    assert by_id["102"].payload["status"] == "Inactive"
    await hr.aclose()


async def test_time_off_over_a_rolling_window_with_the_employees_email(
        bamboo: BambooHRSandbox, hr: BambooHRConnector) -> None:
    today = bamboo.state.today()
    near = bamboo.add_time_off(102, today + timedelta(days=3), today + timedelta(days=7))
    bamboo.add_time_off(103, today + timedelta(days=800), today + timedelta(days=801))
    bamboo.add_time_off(103, today - timedelta(days=90), today - timedelta(days=88))
    records, cursor = await poll_all(hr, None)
    absences = [r for r in records if r.remote_type == "time_off"]
    assert [r.remote_id for r in absences] == [str(near.id)]  # 30 days back, 365 ahead
    values = load_mapping(default_mapping_path("bamboohr")).for_type("time_off").inbound(
        absences[0].payload).values
    assert values["person"] == "ben.tanaka@example.com"
    assert (values["kind"].value, values["status"].value) == ("vacation", "approved")
    assert values["start"] == near.start
    assert "notes" not in absences[0].payload
    again, _ = await poll_all(hr, cursor)  # read again only after `time_off.every`
    assert not [r for r in again if r.remote_type == "time_off"]
    await hr.aclose()


async def test_the_hub_never_writes_to_hr(hr: BambooHRConnector) -> None:
    with pytest.raises(Permanent, match="read-only"):
        await hr.push(LinkRef("employee", "102", {}), {"department": "Sales"})
    with pytest.raises(Permanent, match="read-only"):
        await hr.create("employee", "01HUB", {"workEmail": "x@example.com"})
    await hr.aclose()


@respx.mock
async def test_a_429_is_waited_out_as_the_tool_asks() -> None:
    route = respx.get(f"{BASE}/api/v1/employees/changed").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(200, json={"latest": "2026-11-21T10:00:00+00:00", "employees": {}})])
    respx.get(f"{BASE}/api/v1/time_off/requests").mock(return_value=httpx.Response(200,
                                                                                   json=[]))
    connector = BambooHRConnector("hr", bamboo_config(BASE))
    records, cursor = await poll_all(connector, None)
    assert route.call_count == 2
    assert records == []
    assert cursor is not None
    await connector.aclose()


@respx.mock
async def test_a_5xx_storm_is_retriable_and_a_401_names_bamboohrs_reason() -> None:
    respx.get(f"{BASE}/api/v1/employees/changed").mock(
        return_value=httpx.Response(503, headers={"Retry-After": "0"}))
    connector = BambooHRConnector("hr", bamboo_config(BASE, max_retries=1))
    with pytest.raises(Retriable, match="503"):
        await poll_all(connector, None)
    respx.get(f"{BASE}/api/v1/employees/changed").mock(return_value=httpx.Response(
        401, headers={"X-BambooHR-Error-Message": "Invalid API key"}))
    with pytest.raises(Permanent, match="Invalid API key"):
        await connector.check()
    await connector.aclose()


# -- webhooks ----------------------------------------------------------------------------
BODY = json.dumps({"employees": [{"id": "102", "action": "Updated", "changedFields":
                                  ["department"], "timestamp": "2026-11-21T10:00:00+00:00",
                                  "fields": {}}]}).encode()


def _signed(body: bytes, at: float, key: str = WEBHOOK_KEY) -> dict[str, str]:
    stamp = str(int(at))
    return {"X-BambooHR-Timestamp": stamp, "X-BambooHR-Signature": hmac.new(
        key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()}


def test_webhooks_forged_missing_or_replayed_are_refused() -> None:
    connector = BambooHRConnector("hr", bamboo_config(BASE))
    now = time.time()
    connector.verify_webhook(_signed(BODY, now), BODY)
    with pytest.raises(WebhookRejected, match="invalid"):
        connector.verify_webhook(_signed(BODY, now, key="someone-else"), BODY)
    with pytest.raises(WebhookRejected, match="invalid"):  # the body was changed
        connector.verify_webhook(_signed(BODY, now), BODY.replace(b"102", b"103"))
    headers = _signed(BODY, now)
    headers["X-BambooHR-Timestamp"] = str(int(now) + 1)  # the timestamp is signed too
    with pytest.raises(WebhookRejected, match="invalid"):
        connector.verify_webhook(headers, BODY)
    with pytest.raises(WebhookRejected, match="missing"):
        connector.verify_webhook({}, BODY)
    with pytest.raises(WebhookRejected, match="replayed"):  # signed, but 10 minutes old
        connector.verify_webhook(_signed(BODY, now - 600), BODY)
    delivery = connector.parse_webhook(_signed(BODY, now), BODY)
    assert delivery.needs_fetch
    assert [(r.remote_id, r.deleted) for r in delivery.records] == [("102", False)]
    assert delivery.delivery_id == connector.parse_webhook(_signed(BODY, now + 5),
                                                           BODY).delivery_id


@pytest.mark.parametrize("headers", [
    pytest.param(lambda: _signed(BODY, time.time(), key="forged"), id="forged"),
    pytest.param(lambda: {}, id="missing"),
    pytest.param(lambda: _signed(BODY, time.time() - 3600), id="replayed")])
def test_the_hub_stores_nothing_of_a_refused_delivery(engine: Engine, headers) -> None:  # type: ignore[no-untyped-def]
    registry = Registry()
    registry.add(BambooHRConnector)
    rt = Runtime(HubConfig(connectors={"hr": bamboo_config(BASE)}), registry, engine)
    with pytest.raises(WebhookRejected):
        receive(rt, "hr", headers(), BODY)
    accepted = receive(rt, "hr", _signed(BODY, time.time()), BODY)
    again = receive(rt, "hr", _signed(BODY, time.time() + 1), BODY)  # BambooHR's retry
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboxItem)) == 1
    assert accepted.item_id is not None
    assert again.duplicate


def test_event_webhooks_name_the_employee() -> None:
    connector = BambooHRConnector("hr", bamboo_config(BASE))
    body = json.dumps({"type": "employee.deleted", "timestamp": "x",
                       "data": {"employeeId": "103", "changedFields": []}}).encode()
    records = connector.parse_webhook(_signed(body, time.time()), body).records
    assert [(r.remote_id, r.deleted) for r in records] == [("103", True)]

