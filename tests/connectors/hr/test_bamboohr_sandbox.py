"""The BambooHR sandbox speaks the public API as shared/specs/bamboohr.yaml describes it: the
API key as the Basic-auth user, the directory, employee fields, the change feed, time off, who's
out, and webhooks signed over the raw body followed by the timestamp."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import httpx
import pytest

from connectors.hr.sandbox import BambooHRSandbox
from hub.testing.server import RunningServer, free_port
from tests.connectors.conftest import FakeClock, Receiver
from tests.connectors.hr.conftest import API_KEY
from tests.wait import until


@pytest.fixture
def api(bamboo_server: RunningServer) -> httpx.Client:
    return httpx.Client(base_url=bamboo_server.url, auth=(API_KEY, "x"),
                        headers={"Accept": "application/json"}, timeout=10)


def test_the_api_key_is_the_basic_auth_user(bamboo_server: RunningServer) -> None:
    url = f"{bamboo_server.url}/api/v1/employees/directory"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, auth=("wrong", "x")).status_code == 401
    assert httpx.get(url, auth=(API_KEY, "anything")).status_code == 200


def test_directory_and_one_employees_fields(api: httpx.Client) -> None:
    directory = api.get("/api/v1/employees/directory").json()
    assert {f["id"] for f in directory["fields"]} >= {"displayName", "workEmail", "department"}
    ben = next(e for e in directory["employees"] if e["id"] == "102")
    assert ben["workEmail"] == "ben.tanaka@example.com"
    assert ben["supervisor"] == "Ada Okafor"

    one = api.get("/api/v1/employees/102",
                  params={"fields": "firstName,workEmail,reportsToId,department,nope"}).json()
    assert one == {"id": "102", "firstName": "Ben", "workEmail": "ben.tanaka@example.com",
                   "reportsToId": "101", "department": "Engineering"}  # unknown: left out
    assert api.get("/api/v1/employees/999").status_code == 404


def test_the_change_feed_says_inserted_updated_deleted(
        bamboo: BambooHRSandbox, api: httpx.Client, clock: FakeClock) -> None:
    assert api.get("/api/v1/employees/changed").status_code == 400  # since is required
    clock_later = datetime.fromtimestamp(clock.now + 3600, UTC)
    clock.set(clock_later)
    bamboo.update_employee(102, department="Sales")
    bamboo.delete_employee(103)
    since = clock_later.isoformat()
    feed = api.get("/api/v1/employees/changed", params={"since": since}).json()
    assert feed["employees"] == {
        "102": {"id": "102", "action": "Updated", "lastChanged": since},
        "103": {"id": "103", "action": "Deleted", "lastChanged": since}}
    assert feed["latest"] == since
    only = api.get("/api/v1/employees/changed", params={"since": since, "type": "deleted"})
    assert list(only.json()["employees"]) == ["103"]


def test_time_off_requests_and_whos_out(bamboo: BambooHRSandbox, api: httpx.Client) -> None:
    vacation = bamboo.add_time_off(102, date(2026, 12, 1), date(2026, 12, 5), note="Lisbon")
    bamboo.add_time_off(103, date(2026, 12, 3), date(2026, 12, 3), kind="Sick",
                        status="requested")
    missing = api.get("/api/v1/time_off/requests", params={"start": "2026-12-01"})
    assert missing.status_code == 400
    assert "end" in missing.headers["x-bamboohr-error-message"]

    found = api.get("/api/v1/time_off/requests",
                    params={"start": "2026-12-04", "end": "2026-12-31"}).json()
    assert [r["id"] for r in found] == [vacation.id]  # overlapping the window
    assert found[0]["type"]["name"] == "Vacation"
    assert found[0]["status"]["status"] == "approved"
    assert found[0]["notes"] == {"employee": "Lisbon"}
    quiet = api.get("/api/v1/time_off/requests", params={
        "start": "2026-12-01", "end": "2026-12-31", "status": "requested", "excludeNote": "1"})
    assert [(r["employeeId"], "notes" in r) for r in quiet.json()] == [(103, False)]

    out = api.get("/api/v1/time_off/whos_out",
                  params={"start": "2026-12-01", "end": "2026-12-31"}).json()
    assert [(e["type"], e["name"]) for e in out] == [
        ("timeOff", "Ben Tanaka"), ("holiday", "Christmas Day")]  # approved only


def test_webhooks_are_signed_over_the_body_and_the_timestamp(
        bamboo: BambooHRSandbox, api: httpx.Client,
        receiver: Callable[..., Receiver]) -> None:
    target = receiver()
    refused = api.post("/api/v1/webhooks", json={"name": "hub", "url": target.url})
    assert refused.status_code == 400  # format and monitorFields are required
    made = api.post("/api/v1/webhooks", json={
        "name": "hub", "url": target.url, "format": "json",
        "monitorFields": ["department"], "postFields": {"department": "Department"}}).json()
    key = made["privateKey"]
    assert "privateKey" not in api.get(f"/api/v1/webhooks/{made['id']}").json()

    bamboo.update_employee(102, jobTitle="Staff Engineer")  # not monitored: nothing sent
    bamboo.update_employee(102, department="Sales")
    until(lambda: len(target.accepted) == 1, "the delivery arrived")
    headers, body = target.accepted[0]
    stamp = headers["x-bamboohr-timestamp"]
    expected = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    assert headers["x-bamboohr-signature"] == expected
    assert abs(int(stamp) - time.time()) < 60
    entry = json.loads(body)["employees"][0]
    assert (entry["id"], entry["action"], entry["changedFields"]) == ("102", "Updated",
                                                                      ["department"])
    assert entry["fields"] == {"Department": "Sales"}


def test_hub_sandbox_bamboohr_serves_until_interrupted() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "hub", "sandbox", "bamboohr", "--port",
                               str(port), "--seed-employees", "12"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/employees/directory",
                                   auth=("bamboo-key", "x"), timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)  # polling a subprocess's socket: no event to wait on
        assert answer is not None, "the sandbox did not answer"
        assert len(answer.json()["employees"]) == 12
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)
    assert "bamboo-key" in output
    assert "employees: 12" in output

