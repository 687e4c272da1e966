"""Workflows in the Jira sandbox: only the transitions of the current status are offered, Done
needs a resolution, a person's status change walks the shortest path, and a project's workflow
can change at run time."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.jira.sandbox import JiraSandbox, Workflow


def _transitions(client: httpx.Client, key: str) -> dict[str, Any]:
    listed = client.get(f"/rest/api/3/issue/{key}/transitions",
                        params={"expand": "transitions.fields"}).json()["transitions"]
    return {t["to"]["name"]: t for t in listed}


def test_only_transitions_from_the_current_status_are_offered(jira_http: httpx.Client,
                                                              sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec")["key"]
    sandbox.transition(key, "In Review")

    offered = _transitions(jira_http, key)

    assert set(offered) == {"Done"}
    done = offered["Done"]
    assert done["to"]["statusCategory"]["key"] == "done"
    assert done["fields"]["resolution"]["required"] is True
    plain = jira_http.get(f"/rest/api/3/issue/{key}/transitions").json()["transitions"][0]
    assert "fields" not in plain


def test_done_requires_a_resolution(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec", status="In Review")["key"]
    done_id = _transitions(jira_http, key)["Done"]["id"]
    url = f"/rest/api/3/issue/{key}/transitions"

    refused = jira_http.post(url, json={"transition": {"id": done_id}})
    accepted = jira_http.post(url, json={"transition": {"id": done_id},
                                         "fields": {"resolution": {"name": "Done"}}})

    assert refused.status_code == 400
    assert refused.json() == {"errorMessages": [],
                              "errors": {"resolution": "Resolution is required."}}
    assert accepted.status_code == 204
    fields = sandbox.issue(key)["fields"]
    assert fields["status"]["name"] == "Done"
    assert fields["resolution"]["name"] == "Done"
    assert fields["resolutiondate"] is not None


def test_a_transition_not_offered_is_refused(jira_http: httpx.Client,
                                             sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec")["key"]
    to_done = sandbox.state.projects["RD"].workflow.path("In Review", "Done")
    assert to_done
    done_id = to_done[0].id

    answer = jira_http.post(f"/rest/api/3/issue/{key}/transitions",
                            json={"transition": {"id": done_id}})

    assert answer.status_code == 400
    assert answer.json() == {"errorMessages": [
        f"Transition id '{done_id}' is not valid for this issue."], "errors": {}}
    assert sandbox.issue(key)["fields"]["status"]["name"] == "To Do"


def test_a_person_walks_the_shortest_path_and_reopening_clears_the_resolution(
        jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec")["key"]

    done = sandbox.transition(key, "Done")
    reopened = sandbox.transition(key, "To Do")

    assert done["fields"]["resolution"]["name"] == "Done"
    log = jira_http.get(f"/rest/api/3/issue/{key}/changelog").json()["values"]
    steps = [item["toString"] for entry in log for item in entry["items"]
             if item["field"] == "status"]
    assert steps == ["In Progress", "In Review", "Done", "To Do"]
    assert reopened["fields"]["resolution"] is None
    assert reopened["fields"]["status"]["name"] == "To Do"


def test_a_workflow_can_change_at_run_time(jira_http: httpx.Client,
                                           sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec", status="In Review")["key"]
    kanban = Workflow.build("Kanban", [("Backlog", "new"), ("Doing", "indeterminate"),
                                       ("Done", "done")],
                            [("Backlog", "Doing"), ("Doing", "Done"), ("Done", "Backlog")])

    sandbox.set_workflow("RD", kanban, {"In Review": "Doing"})

    assert sandbox.issue(key)["fields"]["status"]["name"] == "Doing"
    assert set(_transitions(jira_http, key)) == {"Done"}
    fresh = sandbox.create_issue("RD", "New")
    assert fresh["fields"]["status"]["name"] == "Backlog"


def test_a_workflow_can_be_replaced_over_http(jira_http: httpx.Client,
                                              sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("LAUNCH", "Spec")["key"]
    base = str(jira_http.base_url)

    answer = httpx.put(f"{base}/_sandbox/projects/LAUNCH/workflow", json={
        "name": "Two step", "statuses": [{"name": "To Do", "category": "new"},
                                         {"name": "Done", "category": "done"}],
        "edges": [["To Do", "Done"], ["Done", "To Do"]]})

    assert answer.status_code == 200
    offered = _transitions(jira_http, key)
    assert set(offered) == {"Done"}
    assert sandbox.transition(key, "Done")["fields"]["status"]["name"] == "Done"
    assert len(sandbox.state.get(key).histories) == 1
