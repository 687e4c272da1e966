"""What real clients (the Singer tap-jira) rely on in Jira's answers: `*all` carries comment and
worklog pages, `*navigable` does not, and `expand=transitions` lists the available moves."""

from __future__ import annotations

import httpx

from connectors.jira.sandbox import JiraSandbox


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
