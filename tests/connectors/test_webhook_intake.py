"""The webhook intake edge with every tool that sends webhooks: a validly signed delivery that
is not what the tool sends (not JSON, nested without end, missing what the tool always sends,
numbers no time can be) is answered 400 with the reason, and nothing is stored; it never costs
a 500. A delivery stored before this check is quarantined with a sentence, not Python text."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.asana.connector import AsanaConnector
from connectors.hr.bamboohr import BambooHRConnector
from connectors.jira.connector import JiraConnector
from hub.api.app import create_app
from hub.config.models import HubConfig
from hub.sdk.registry import Registry
from hub.store.sync import InboxItem, QuarantineItem
from hub.sync.deliveries import process_inbox_item
from tests.connectors.asana.drivers import SECRET as ASANA_SECRET
from tests.connectors.asana.drivers import asana_config
from tests.connectors.hr.drivers import WEBHOOK_KEY, bamboo_config
from tests.connectors.jira.drivers import SECRET as JIRA_SECRET
from tests.connectors.jira.drivers import jira_config

UNUSED = "http://127.0.0.1:9"  # receiving a delivery never calls the tool
DEEP = b"[" * 100_000 + b"]" * 100_000


def _jira(body: bytes) -> dict[str, str]:
    digest = hmac.new(JIRA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def _asana(body: bytes) -> dict[str, str]:
    return {"X-Hook-Signature": hmac.new(ASANA_SECRET.encode(), body,
                                         hashlib.sha256).hexdigest()}


def _bamboo(body: bytes, stamp: str | None = None) -> dict[str, str]:
    stamp = stamp or str(int(time.time()))
    return {"X-BambooHR-Timestamp": stamp, "X-BambooHR-Signature": hmac.new(
        WEBHOOK_KEY.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()}


SIGNERS: dict[str, Callable[[bytes], dict[str, str]]] = {
    "rd-jira": _jira, "mkt-asana": _asana, "hr": _bamboo}
ISSUE = {"id": "10001", "key": "RD-1", "fields": {"summary": "Spec"}}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    registry = Registry()
    for kind in (JiraConnector, AsanaConnector, BambooHRConnector):
        registry.add(kind)
    config = HubConfig(connectors={"rd-jira": jira_config(UNUSED),
                                   "mkt-asana": asana_config(UNUSED, ["1"]),
                                   "hr": bamboo_config(UNUSED)})
    with TestClient(create_app(config, engine, registry, background=False)) as client:
        yield client


def _stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(InboxItem)) or 0)


@pytest.mark.parametrize(("connector", "body", "says"), [
    pytest.param("rd-jira", b"<xml>not json</xml>", "not JSON", id="jira-not-json"),
    pytest.param("mkt-asana", b"events=1", "not JSON", id="asana-not-json"),
    pytest.param("hr", b"\xff\xfe", "not JSON", id="bamboohr-not-json"),
    pytest.param("rd-jira", DEEP, "nested deeper", id="jira-deep"),
    pytest.param("mkt-asana", DEEP, "nested deeper", id="asana-deep"),
    pytest.param("hr", DEEP, "nested deeper", id="bamboohr-deep"),
    pytest.param("rd-jira", json.dumps({"webhookEvent": "jira:issue_updated", "issue": []})
                 .encode(), "`issue` should be an object (found a list)", id="jira-issue-list"),
    pytest.param("rd-jira", json.dumps({"webhookEvent": "jira:issue_updated"}).encode(),
                 "`issue` is missing", id="jira-no-issue"),
    pytest.param("rd-jira", json.dumps({"webhookEvent": "jira:issue_updated",
                                        "timestamp": 1e300, "issue": ISSUE}).encode(),
                 "`timestamp` is out of range", id="jira-timestamp-1e300"),
    pytest.param("rd-jira", json.dumps({"webhookEvent": "jira:issue_updated",
                                        "issue": {"id": "10001", "fields": {}}}).encode(),
                 "`issue.key` is missing", id="jira-no-key"),
    pytest.param("mkt-asana", json.dumps({"data": []}).encode(), "`events` is missing",
                 id="asana-no-events"),
    pytest.param("mkt-asana", json.dumps({"events": [{"action": "changed", "resource": "1"}]})
                 .encode(), "`events[0].resource` should be an object", id="asana-resource"),
    pytest.param("hr", json.dumps({"timestamp": 1e300}).encode(), "neither `employees`",
                 id="bamboohr-timestamp-only"),
    pytest.param("hr", json.dumps({"employees": [{"action": "Updated", "timestamp": 1e300}]})
                 .encode(), "`employees[0].id` is missing", id="bamboohr-no-id"),
    pytest.param("hr", json.dumps({"type": "employee.updated", "data": []}).encode(),
                 "`data` should be an object", id="bamboohr-data-list"),
])
def test_a_signed_delivery_that_is_not_what_the_tool_sends_is_a_400(
        client: TestClient, engine: Engine, connector: str, body: bytes, says: str) -> None:
    answer = client.post(f"/webhooks/{connector}", content=body,
                         headers=SIGNERS[connector](body))

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert says in answer.json()["detail"]
    assert _stored(engine) == 0


@pytest.mark.parametrize("stamp", ["nan", "inf", "1e300", "-1e300"])
def test_a_bamboohr_timestamp_that_is_no_time_now_is_refused(
        client: TestClient, engine: Engine, stamp: str) -> None:
    body = json.dumps({"employees": [{"id": "102", "action": "Updated"}]}).encode()

    answer = client.post("/webhooks/hr", content=body, headers=_bamboo(body, stamp))

    assert answer.status_code == 401
    assert _stored(engine) == 0


def test_what_the_tools_do_send_is_still_taken(client: TestClient, engine: Engine) -> None:
    bodies = {
        "rd-jira": {"webhookEvent": "jira:issue_updated", "timestamp": 1_790_000_000_000,
                    "issue": {**ISSUE, "id": 10001}, "changelog": {"items": []}},
        "mkt-asana": {"events": []},  # Asana's heartbeat
        "hr": {"type": "employee.updated", "timestamp": 1e300, "data": {"employeeId": 102}},
    }
    for connector, event in bodies.items():
        body = json.dumps(event).encode()
        answer = client.post(f"/webhooks/{connector}", content=body,
                             headers=SIGNERS[connector](body))
        assert answer.status_code == 202, (connector, answer.text)
    assert _stored(engine) == 3


@pytest.mark.anyio
async def test_a_delivery_stored_before_the_check_is_quarantined_in_words(
        client: TestClient, engine: Engine) -> None:
    body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": []}).encode()
    with Session(engine) as session, session.begin():
        session.add(InboxItem(id="item-1", connector_id="rd-jira", delivery_id="d-1",
                              body_sha256=hashlib.sha256(body).hexdigest(), body=body))

    tally = await process_inbox_item(client.app.state.runtime, "item-1")  # type: ignore[attr-defined]

    assert tally.quarantined == 1
    with Session(engine) as session:
        [item] = session.scalars(select(QuarantineItem)).all()
    assert item.reason == ("rd-jira could not read this webhook delivery: not a Jira issue "
                           "delivery: `issue` should be an object (found a list)")
