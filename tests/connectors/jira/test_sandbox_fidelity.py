"""What real clients (the Singer tap-jira) rely on in Jira's answers: `*all` carries comment and
worklog pages, `*navigable` does not, and `expand=transitions` lists the available moves. And
every answer the connector reads, and the site's other answers, validate against the official
description (jira-platform-v3.json): drift from it fails here."""

from __future__ import annotations

import httpx
import pytest

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from connectors.jira.sandbox.catalog import BUDGET_CONTEXT_ID, BUDGET_STATUS
from hub.sdk.connector import LinkRef
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer
from tests.connectors.jira.drivers import jira_config
from tests.connectors.openapi import Answer, Recorder, problems, spec


def test_all_fields_include_comment_and_worklog_pages(sandbox: JiraSandbox,
                                                      jira_http: httpx.Client) -> None:
    issue = sandbox.create_issue("RD", "Fidelity")

    every = jira_http.get(f"/rest/api/2/issue/{issue['key']}", params={"fields": "*all"}).json()
    navigable = jira_http.get(f"/rest/api/3/issue/{issue['key']}",
                              params={"fields": "*navigable"}).json()

    assert every["fields"]["comment"]["comments"] == []
    assert every["fields"]["worklog"]["worklogs"] == []
    assert "comment" not in navigable["fields"]
    assert "worklog" not in navigable["fields"]


def test_expand_transitions_lists_the_moves_from_the_current_status(
        sandbox: JiraSandbox, jira_http: httpx.Client) -> None:
    issue = sandbox.create_issue("RD", "Fidelity")

    found = jira_http.post("/rest/api/2/search/jql", json={
        "jql": f"key = {issue['key']}", "fields": ["status"], "expand": "transitions"}).json()

    moves = {t["to"]["name"] for t in found["issues"][0]["transitions"]}
    assert "In Progress" in moves


JIRA = "jira-platform-v3.json"
#: where the description is wrong about Jira: its schema says a changelog item's values are
#: strings, its own example (and Jira) answers null for a field that was or became empty
KNOWN = {r"changelog/histories/\d+/items/\d+/(from|to)(String)?$":
         "ChangeDetails forgets nullable; the description's example has from: null"}


@pytest.mark.anyio
async def test_every_answer_the_connector_reads_matches_jiras_schema(
        sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    """The connector's verbs run against the sandbox; each answer it got must be what
    the official description says that operation answers."""
    api = spec(JIRA)
    connector = JiraConnector("rd-jira", jira_config(sandbox_server.url))
    recorder = Recorder()
    recorder.attach(connector.client.http)
    issue = sandbox.create_issue("RD", "Fidelity")
    try:
        await connector.check()
        await poll_all(connector, None)
        await connector.push(LinkRef("issue", str(issue["id"]), {}), {
            "fields.summary": "Fidelity, renamed", "fields.status.name": "Done",
            "fields.assignee.emailAddress": ["ann.lee@example.com"]})
        created = await connector.create("issue", "01HUBID0000000000000000001",
                                         {"fields.summary": "Made by the hub"})
        await connector.find_by_hub_id("issue", "01HUBID0000000000000000001")
        await connector.fetch("issue", [created.remote_id])
    finally:
        await connector.aclose()

    assert [p for answer in recorder for p in problems(api, answer, KNOWN)] == []
    assert {"GET /rest/api/3/myself", "GET /rest/api/3/serverInfo",
            "POST /rest/api/3/search/jql", "PUT /rest/api/3/issue/{issueIdOrKey}",
            "GET /rest/api/3/issue/{issueIdOrKey}/transitions",
            "POST /rest/api/3/issue/{issueIdOrKey}/transitions", "POST /rest/api/3/issue",
            "GET /rest/api/3/user/search"} <= recorder.routes(api)


@pytest.mark.parametrize("path", [
    "/rest/api/3/serverInfo", "/rest/api/3/myself", "/rest/api/3/field",
    f"/rest/api/3/field/{BUDGET_STATUS}/context",
    f"/rest/api/3/field/{BUDGET_STATUS}/context/{BUDGET_CONTEXT_ID}/option",
    "/rest/api/3/project/search", "/rest/api/3/project/RD",
    "/rest/api/3/user/search?query=ann",
])
def test_the_sandboxs_site_answers_match_jiras_schema(jira_http: httpx.Client,
                                                      path: str) -> None:
    api = spec(JIRA)
    response = jira_http.get(path)
    answer = Answer("GET", response.url.path, response.status_code, response.json())

    assert problems(api, answer) == []
