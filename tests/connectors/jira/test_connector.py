"""The Jira connector's own behaviour: transitions, polling windows, webhooks, and the edge
cases of a real network (429 then success, 5xx storms, timeouts, a changed workflow)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from connectors.jira.sandbox.workflow import Workflow
from hub.errors import Permanent, Retriable
from hub.sdk.connector import FieldsRefused, LinkRef
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer
from tests.connectors.conftest import FakeClock
from tests.connectors.jira.drivers import jira_config

pytestmark = pytest.mark.anyio


@pytest.fixture
async def jira(sandbox_server: RunningServer):  # type: ignore[no-untyped-def]
    connector = JiraConnector("rd-jira", jira_config(sandbox_server.url))
    yield connector
    await connector.aclose()


def _ref(issue: dict[str, object]) -> LinkRef:
    return LinkRef("issue", str(issue["id"]), {})


async def test_status_goes_through_the_workflow_with_required_fields(
        sandbox: JiraSandbox, jira: JiraConnector) -> None:
    issue = sandbox.create_issue("RD", "Ship the release")

    record = await jira.push(_ref(issue), {"fields.status.name": "Done"})

    after = sandbox.issue(issue["key"])["fields"]
    assert after["status"]["name"] == "Done"  # To Do -> In Progress -> In Review -> Done
    assert after["resolution"]["name"] == "Done"  # required by the Done transition
    assert record.payload["fields"]["status"]["name"] == "Done"
    assert "fields.status" in record.field_times  # from the changelog: exact `latest`


async def test_no_path_to_a_status_is_permanent_and_names_the_states(
        sandbox: JiraSandbox, jira: JiraConnector) -> None:
    # The workflow changed: from To Do you can only go to Blocked and back.
    sandbox.set_workflow("RD", Workflow.build(
        "locked", [("To Do", "new"), ("Blocked", "indeterminate"), ("Done", "done")],
        [("To Do", "Blocked"), ("Blocked", "To Do")]))
    issue = sandbox.create_issue("RD", "Stuck")

    with pytest.raises(Permanent, match=r"no workflow path from To Do -> Blocked to 'Done'"):
        await jira.push(_ref(issue), {"fields.status.name": "Done"})


async def test_assignee_is_written_as_the_account_of_the_email(
        sandbox: JiraSandbox, jira: JiraConnector) -> None:
    issue = sandbox.create_issue("RD", "Plan")

    await jira.push(_ref(issue), {"fields.assignee.emailAddress": ["ANN.LEE@example.com"]})
    with pytest.raises(FieldsRefused, match=r"no Jira user has the e-mail nobody@example\.com"):
        await jira.push(_ref(issue), {"fields.assignee.emailAddress": ["nobody@example.com"]})

    assert sandbox.issue(issue["key"])["fields"]["assignee"]["emailAddress"] == \
        "ann.lee@example.com"


async def test_poll_rereads_the_minute_before_the_cursor_and_nothing_older(
        sandbox: JiraSandbox, jira: JiraConnector, clock: FakeClock) -> None:
    old = sandbox.create_issue("RD", "Old news")
    clock.set(datetime(2026, 11, 21, 12, 0, 30, tzinfo=UTC))
    recent = sandbox.create_issue("RD", "Recent")
    sandbox.create_issue("LAUNCH", "Out of scope")
    first, cursor = await poll_all(jira, None)
    clock.set(datetime(2026, 11, 21, 12, 5, 10, tzinfo=UTC))
    new = sandbox.create_issue("RD", "Fresh")

    later, _ = await poll_all(jira, cursor)

    assert {r.remote_id for r in first} == {str(old["id"]), str(recent["id"])}  # scope holds
    # JQL counts minutes: the overlap re-reads `recent` (the engine drops it as seen).
    assert {r.remote_id for r in later} == {str(recent["id"]), str(new["id"])}


async def test_fetch_skips_issues_deleted_meanwhile(
        sandbox: JiraSandbox, jira: JiraConnector) -> None:
    kept = sandbox.create_issue("RD", "Kept")
    gone = sandbox.create_issue("RD", "Gone")
    sandbox.delete_issue(gone["key"])

    records = await jira.fetch("issue", [str(kept["id"]), str(gone["id"])])

    assert [r.remote_id for r in records] == [str(kept["id"])]


async def test_a_deleted_issue_webhook_is_a_tombstone(
        sandbox: JiraSandbox, jira: JiraConnector) -> None:
    sandbox.webhooks.pause()
    hook = sandbox.state.webhooks.get(int(sandbox.register_webhook(
        "http://127.0.0.1:9/x", "jira-webhook-secret-123")))
    issue = sandbox.create_issue("RD", "Short-lived")
    sandbox.delete_issue(issue["key"])
    delivery = sandbox.webhooks.pending()[-1]
    assert hook is not None
    headers = sandbox.webhooks.headers(hook, delivery)

    jira.verify_webhook(headers, delivery.body)
    parsed = jira.parse_webhook(headers, delivery.body)

    assert json.loads(delivery.body)["webhookEvent"] == "jira:issue_deleted"
    assert parsed.records[0].deleted
    assert parsed.delivery_id == headers["X-Atlassian-Webhook-Identifier"]


# -- the network's edge cases, with respx -------------------------------------------------
BASE = "https://jira.example.test"


def _offline() -> JiraConnector:
    return JiraConnector("rd-jira", jira_config(BASE, max_retries=3))


@respx.mock
async def test_429_then_success_honours_retry_after() -> None:
    route = respx.get(f"{BASE}/rest/api/3/myself").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "1", "X-RateLimit-Remaining": "0"}),
        httpx.Response(200, json={"displayName": "Hub"}),
    ])
    respx.get(f"{BASE}/rest/api/3/serverInfo").respond(json={"baseUrl": BASE})
    respx.post(f"{BASE}/rest/api/3/search/jql").respond(json={"issues": [], "isLast": True})
    jira = _offline()
    started = datetime.now(UTC)

    result = await jira.check()

    assert result.ok
    assert route.call_count == 2
    assert datetime.now(UTC) - started >= timedelta(seconds=0.95)
    await jira.aclose()


@respx.mock
async def test_a_5xx_storm_ends_as_retriable_after_bounded_retries() -> None:
    route = respx.get(f"{BASE}/rest/api/3/myself").respond(503, json={
        "errorMessages": ["Service temporarily unavailable"]})
    jira = _offline()

    with pytest.raises(Retriable, match="503 Service temporarily unavailable"):
        await jira.check()

    assert route.call_count == 4  # the first call and three retries, then the engine decides
    await jira.aclose()


@respx.mock
async def test_a_long_retry_after_is_left_to_the_engine() -> None:
    for search in ("search/jql", "search/approximate-count"):  # rate limited: every call
        respx.post(f"{BASE}/rest/api/3/{search}").respond(429, headers={"Retry-After": "120"})
    jira = _offline()

    with pytest.raises(Retriable) as info:
        await poll_all(jira, None)

    assert info.value.retry_after == 120
    await jira.aclose()


@respx.mock
async def test_timeouts_become_retriable() -> None:
    respx.get(f"{BASE}/rest/api/3/issue/RD-1").mock(side_effect=httpx.ReadTimeout("slow"))
    jira = _offline()

    with pytest.raises(Retriable, match="no answer within the timeout"):
        await jira._read("RD-1")
    await jira.aclose()


@respx.mock
async def test_a_refused_edit_carries_jiras_reason() -> None:
    respx.put(f"{BASE}/rest/api/3/issue/10001").respond(400, json={
        "errorMessages": [], "errors": {"duedate": "Due date is not on the screen."}})
    jira = _offline()

    with pytest.raises(Permanent, match=r"duedate: Due date is not on the screen\."):
        await jira.push(LinkRef("issue", "10001", {}), {"fields.duedate": "2026-12-01"})
    await jira.aclose()


async def test_a_status_out_of_reach_is_refused_alone_and_the_issue_stays_where_it_was(
        sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    # Blocked is three transitions away; the connector may take two.
    sandbox.set_workflow("RD", Workflow.build(
        "long way", [("To Do", "new"), ("In Progress", "indeterminate"), ("Done", "done"),
                     ("Blocked", "indeterminate")],
        [("To Do", "In Progress"), ("In Progress", "Done"), ("Done", "To Do"),
         ("Done", "Blocked")]))
    issue = sandbox.create_issue("RD", "Stuck")
    jira = JiraConnector("rd-jira", jira_config(sandbox_server.url, max_hops=2))

    with pytest.raises(FieldsRefused) as refused:
        await jira.push(_ref(issue), {"fields.summary": "Stuck, renamed",
                                      "fields.status.name": "Blocked"})

    assert list(refused.value.fields) == ["fields.status.name"]
    assert "no workflow path from To Do -> In Progress" in refused.value.reason
    written = refused.value.record
    assert written is not None
    assert written.payload["fields"]["summary"] == "Stuck, renamed"
    assert written.payload["fields"]["status"]["name"] == "To Do"  # walked back
    assert sandbox.issue(issue["key"])["fields"]["status"]["name"] == "To Do"
    await jira.aclose()


async def test_an_assignee_without_a_jira_account_is_refused_alone(
        sandbox: JiraSandbox, jira: JiraConnector) -> None:
    issue = sandbox.create_issue("RD", "Plan")

    with pytest.raises(FieldsRefused) as refused:
        await jira.push(_ref(issue), {"fields.summary": "Plan v2",
                                      "fields.assignee.emailAddress": ["new@example.com"]})
    sandbox.add_user("new@example.com", "New Hire")  # the account comes later...
    jira._accounts["new@example.com"] = (None, 0.0)  # ...and outlives what the hub knew
    await jira.push(_ref(issue), {"fields.assignee.emailAddress": ["new@example.com"]})

    assert refused.value.fields == {
        "fields.assignee.emailAddress": "jira: no Jira user has the e-mail new@example.com"}
    assert refused.value.record is not None
    assert refused.value.record.payload["fields"]["summary"] == "Plan v2"
    assert sandbox.issue(issue["key"])["fields"]["assignee"]["emailAddress"] == \
        "new@example.com"


@respx.mock
async def test_a_field_jira_names_in_its_refusal_is_refused_alone() -> None:
    respx.put(f"{BASE}/rest/api/3/issue/10001").respond(400, json={
        "errorMessages": [], "errors": {"duedate": "Due date is not on the screen."}})
    jira = _offline()

    with pytest.raises(FieldsRefused) as refused:
        await jira.push(LinkRef("issue", "10001", {}),
                        {"fields.duedate": "2026-12-01", "fields.summary": "Plan"})

    assert refused.value.fields == {
        "fields.duedate": "jira: duedate: Due date is not on the screen."}
    assert refused.value.record is None  # nothing written: the engine writes the rest again
    await jira.aclose()
