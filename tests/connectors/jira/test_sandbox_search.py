"""JQL search in the Jira sandbox: token paging, ids-only by default, the JQL subset (with
Jira's minute granularity and its errors), and the old search answering 410."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer
from tests.connectors.conftest import FakeClock
from tests.connectors.jira.conftest import http_client

SEARCH = "/rest/api/3/search/jql"


def _keys(client: httpx.Client, jql: str) -> list[str]:
    answer = client.post(SEARCH, json={"jql": jql, "fields": ["summary"], "maxResults": 100})
    assert answer.status_code == 200, answer.text
    return [issue["key"] for issue in answer.json()["issues"]]


@pytest.fixture
def issues(sandbox: JiraSandbox, clock: FakeClock) -> JiraSandbox:
    """RD-1..3 and LAUNCH-1..2, a minute apart from 10:00:30, in assorted states."""
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("RD", "Fix login bug", {"labels": ["backend"], "assignee": "ann.lee@example.com"}),
        ("RD", "Write launch notes", {"status": "In Progress", "priority": "High"}),
        ("LAUNCH", "Book the venue", {"budget_status": "approved"}),
        ("RD", "Refactor login", {"status": "Done", "labels": ["tech-debt"]}),
        ("LAUNCH", "Press kit", {"story_points": 8})]
    for minute, (project, summary, fields) in enumerate(plan):
        clock.set(datetime(2026, 11, 21, 10, minute, 30, tzinfo=UTC))
        sandbox.create_issue(project, summary, **fields)
    return sandbox


def test_search_answers_ids_only_by_default_and_pages_with_a_token(
        jira_http: httpx.Client, issues: JiraSandbox) -> None:
    seen: list[dict[str, Any]] = []
    pages, token = 0, None
    while True:
        params: dict[str, Any] = {"jql": "project in (RD, LAUNCH) ORDER BY key",
                                  "maxResults": 2}
        if token:
            params["nextPageToken"] = token
        page = jira_http.get(SEARCH, params=params).json()
        pages += 1
        seen += page["issues"]
        token = page.get("nextPageToken")
        assert page["isLast"] is (token is None)
        if page["isLast"]:
            break

    assert pages == 3
    assert all(set(issue) == {"id"} for issue in seen)
    assert len({issue["id"] for issue in seen}) == 5


def test_search_returns_the_fields_asked_for(jira_http: httpx.Client,
                                             issues: JiraSandbox) -> None:
    some = jira_http.get(SEARCH, params={"jql": "key = RD-1", "fields": "summary,status"})
    everything = jira_http.post(SEARCH, json={"jql": "key = RD-1", "fields": ["*all"],
                                              "expand": "changelog", "properties": ["hub"]})
    without = jira_http.post(SEARCH, json={"jql": "key = RD-1", "fields": ["*navigable",
                                                                          "-description"]})

    issue = some.json()["issues"][0]
    assert issue["key"] == "RD-1"
    assert set(issue["fields"]) == {"summary", "status"}
    full = everything.json()["issues"][0]
    assert {"description", "assignee", "customfield_10016", "updated"} <= set(full["fields"])
    assert full["changelog"]["total"] == 0
    assert full["properties"] == {}
    assert "description" not in without.json()["issues"][0]["fields"]


def test_page_size_is_capped_lower_when_fields_are_asked_for(
        jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    before = set(sandbox.state.projects)
    sandbox.seed(projects=1, issues_per_project=150, users=3)
    jql = f"project = {(set(sandbox.state.projects) - before).pop()}"

    ids = jira_http.post(SEARCH, json={"jql": jql, "maxResults": 1000}).json()
    full = jira_http.post(SEARCH, json={"jql": jql, "maxResults": 1000,
                                        "fields": ["summary"]}).json()
    default = jira_http.post(SEARCH, json={"jql": jql}).json()

    assert (len(ids["issues"]), ids["isLast"]) == (150, True)
    assert (len(full["issues"]), full["isLast"]) == (100, False)
    assert len(default["issues"]) == 50


@pytest.mark.parametrize(("jql", "expected"), [
    ("project = RD ORDER BY key", ["RD-1", "RD-2", "RD-3"]),
    ("PROJECT in (rd, LAUNCH) order by KEY desc", ["RD-3", "RD-2", "RD-1", "LAUNCH-2",
                                                   "LAUNCH-1"]),
    ("key in (RD-2, LAUNCH-1) ORDER BY key", ["LAUNCH-1", "RD-2"]),
    ('key = "RD-3"', ["RD-3"]),
    ('status = "In Progress"', ["RD-2"]),
    ("status = Done", ["RD-3"]),
    ("statusCategory = done", ["RD-3"]),
    ("project = RD AND (labels = backend OR priority = High) ORDER BY key", ["RD-1", "RD-2"]),
    ("project = RD and not status = Done ORDER BY key", ["RD-1", "RD-2"]),
    ("assignee = 'ann.lee@example.com'", ["RD-1"]),
    ("project = RD AND assignee is EMPTY ORDER BY key", ["RD-2", "RD-3"]),
    ("cf[10050] = approved", ["LAUNCH-1"]),
    ('"Story point estimate" >= 5', ["LAUNCH-2"]),
    ('summary ~ "login" ORDER BY created DESC', ["RD-3", "RD-1"]),
    ("project = RD AND resolution = Unresolved ORDER BY key", ["RD-1", "RD-2"]),
    ('created >= "2026/11/21 10:03" ORDER BY created', ["RD-3", "LAUNCH-2"]),
    ('project = LAUNCH ORDER BY updated DESC', ["LAUNCH-2", "LAUNCH-1"]),
    ('updated < "2026-11-21 10:01"', ["RD-1"]),
])
def test_the_jql_subset(jira_http: httpx.Client, issues: JiraSandbox, jql: str,
                        expected: list[str]) -> None:
    assert _keys(jira_http, jql) == expected


def test_dates_compare_at_minute_precision(jira_http: httpx.Client, issues: JiraSandbox) -> None:
    # RD-1 was created and last updated at 10:00:30
    assert "RD-1" not in _keys(jira_http, 'updated > "2026/11/21 10:00"')
    assert "RD-1" in _keys(jira_http, 'updated >= "2026/11/21 10:00"')
    assert "RD-1" not in _keys(jira_http, 'updated >= "2026/11/21 10:01"')
    assert "RD-1" in _keys(jira_http, 'updated = "2026/11/21 10:00"')


def test_dates_are_read_in_the_searching_users_time_zone(
        sandbox_server: RunningServer, issues: JiraSandbox) -> None:
    issues.add_account("berlin@example.com", "tz-token", "Berlin User")
    berliner = issues.state.user_by_email("berlin@example.com")
    assert berliner is not None
    berliner.time_zone = "Europe/Berlin"
    with http_client(sandbox_server.url, ("berlin@example.com", "tz-token")) as berlin:
        # 11:01 in Berlin is 10:01 UTC
        assert _keys(berlin, 'project = RD AND updated >= "2026/11/21 11:01" ORDER BY key') \
            == ["RD-2", "RD-3"]
        created = berlin.get("/rest/api/3/issue/RD-1").json()["fields"]["created"]
    assert created == "2026-11-21T11:00:30.000+0100"


def test_issues_are_found_by_property(jira_http: httpx.Client, issues: JiraSandbox) -> None:
    issues.set_property("LAUNCH-2", "hub", {"id": "01HUBID"})

    found = jira_http.post(SEARCH, json={"jql": 'issue.property[hub].id = "01HUBID"',
                                         "properties": ["hub"], "fields": ["summary"]}).json()
    none = _keys(jira_http, 'issue.property[hub].id = "other"')

    assert [(i["key"], i["properties"]) for i in found["issues"]] == [
        ("LAUNCH-2", {"hub": {"id": "01HUBID"}})]
    assert none == []


@pytest.mark.parametrize(("jql", "message"), [
    ("project = RD AND", "Error in the JQL Query: Expecting a field name before the end of "
                         "the query."),
    ("project RD", "Error in the JQL Query: Expecting operator but got 'RD'. The valid "
                   "operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', "
                   "'IS' and 'IS NOT'. (line 1, character 9)"),
    ('summary ~ "open', "Error in the JQL Query: The quoted string 'open' has not been "
                        "completed. (line 1, character 11)"),
    ("project = RD ORDER updated", "Error in the JQL Query: Expecting 'BY' but got 'updated'. "
                                   "(line 1, character 20)"),
    ("colour = red", "Field 'colour' does not exist or you do not have permission to view it."),
    ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
    ("key = RD-99", "An issue with key 'RD-99' does not exist for field 'key'."),
    ('updated > "yesterday"', "Date value 'yesterday' for field 'updated' is invalid. Valid "
                              "formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                              "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', "
                              "'4w 2d'."),
    ("ORDER BY key", "Unbounded JQL queries are not allowed here. Please add a search "
                     "restriction to your query."),
])
def test_invalid_jql_is_a_400_with_jiras_message(jira_http: httpx.Client, issues: JiraSandbox,
                                                 jql: str, message: str) -> None:
    answer = jira_http.post(SEARCH, json={"jql": jql})

    assert answer.status_code == 400
    assert answer.json() == {"errorMessages": [message], "errors": {}}


def test_bad_tokens_and_payloads_are_refused(jira_http: httpx.Client,
                                             issues: JiraSandbox) -> None:
    token = jira_http.post(SEARCH, json={"jql": "project = RD", "maxResults": 1}).json()[
        "nextPageToken"]

    forged = jira_http.post(SEARCH, json={"jql": "project = RD", "nextPageToken": "garbage"})
    other_query = jira_http.post(SEARCH, json={"jql": "project = LAUNCH", "nextPageToken": token})
    old_style = jira_http.post(SEARCH, json={"jql": "project = RD", "startAt": 0})

    assert forged.json()["errorMessages"] == ["Invalid format of nextPageToken"]
    assert other_query.status_code == 400
    assert old_style.status_code == 400


@pytest.mark.parametrize(("method", "version"), [("GET", 3), ("POST", 3), ("GET", 2)])
def test_the_old_search_is_gone(jira_http: httpx.Client, method: str, version: int) -> None:
    answer = jira_http.request(method, f"/rest/api/{version}/search",
                               params={"jql": "project = RD"})

    assert answer.status_code == 410
    assert answer.json()["errorMessages"][0].startswith(
        f"The requested API has been removed. Please migrate to the /rest/api/{version}/search/"
        "jql API.")


def test_search_sees_writes_at_once(jira_http: httpx.Client, issues: JiraSandbox) -> None:
    assert _keys(jira_http, "status = Done") == ["RD-3"]

    issues.transition("RD-1", "Done")

    assert _keys(jira_http, "status = Done ORDER BY key") == ["RD-1", "RD-3"]
