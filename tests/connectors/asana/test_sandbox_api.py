"""The Asana sandbox's REST API as a client sees it: tokens, envelopes, `opt_fields`, offset
pagination, `modified_since`, task writes, external ids, sections and custom fields."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.asana.sandbox import AsanaSandbox
from hub.testing.server import RunningServer
from tests.connectors.asana.conftest import http_client
from tests.connectors.conftest import FakeClock


def _field(project: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s["custom_field"] for s in project["custom_field_settings"]
                if s["custom_field"]["name"] == name)


def _option(field: dict[str, Any], name: str) -> str:
    return next(str(o["gid"]) for o in field["enum_options"] if o["name"] == name)


def test_missing_or_wrong_token_gets_asanas_401(sandbox_server: RunningServer) -> None:
    for token in (None, "wrong"):
        with http_client(sandbox_server.url, token) as client:
            answer = client.get("/users/me")
        assert answer.status_code == 401
        error = answer.json()["errors"][0]
        assert error["message"] == "Not Authorized"
        assert "developers.asana.com" in error["help"]


def test_me_workspaces_and_users_come_in_data_envelopes(asana_http: httpx.Client,
                                                        sandbox: AsanaSandbox) -> None:
    me = asana_http.get("/users/me").json()["data"]
    assert me["email"] == "hub@example.com"
    workspace = asana_http.get("/workspaces").json()["data"][0]
    users = asana_http.get("/users", params={"workspace": workspace["gid"],
                                             "opt_fields": "email,name"}).json()["data"]
    assert {"gid", "email", "name"} == set(users[0])
    assert "ann.lee@example.com" in {u["email"] for u in users}
    ann = next(u for u in users if u["email"] == "ann.lee@example.com")
    assert asana_http.get(f"/users/{ann['gid']}").json()["data"]["name"] == "Ann Lee"
    missing = asana_http.get("/users")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["message"] == "workspace: Missing input"


def test_projects_carry_sections_and_custom_field_settings(
        asana_http: httpx.Client, project: dict[str, Any]) -> None:
    listed = asana_http.get("/projects", params={"workspace": project["workspace"]["gid"]})
    assert listed.json()["data"] == [{"gid": project["gid"], "resource_type": "project",
                                      "name": "Spring Campaign"}]
    full = asana_http.get(f"/projects/{project['gid']}").json()["data"]
    names = {s["custom_field"]["name"]: s["custom_field"] for s in full["custom_field_settings"]}
    assert [o["name"] for o in names["Status"]["enum_options"]] == [
        "To do", "Doing", "Waiting", "Done"]
    assert names["Jira key"]["type"] == "text"
    assert [o["name"] for o in names["Budget status"]["enum_options"]] == [
        "approved", "pending", "rejected", "over budget", "unknown"]
    sections = asana_http.get(f"/projects/{project['gid']}/sections").json()["data"]
    assert [s["name"] for s in sections] == ["To do", "Doing", "Waiting", "Done"]
    assert asana_http.get("/projects/999").status_code == 404


def test_create_update_and_read_a_task(asana_http: httpx.Client, project: dict[str, Any],
                                       sandbox: AsanaSandbox) -> None:
    status, budget = _field(project, "Status"), _field(project, "Budget status")
    jira_key = _field(project, "Jira key")
    sections = asana_http.get(f"/projects/{project['gid']}/sections").json()["data"]
    made = asana_http.post("/tasks", json={"data": {
        "name": "Draft launch email", "notes": "For the spring list",
        "memberships": [{"project": project["gid"], "section": sections[1]["gid"]}],
        "assignee": "ann.lee@example.com", "due_on": "2026-12-01",
        "custom_fields": {status["gid"]: _option(status, "Doing"), jira_key["gid"]: "RD-7"},
        "external": {"gid": "hub-42", "data": "{\"link\": 1}"}}})
    assert made.status_code == 201
    task = made.json()["data"]
    assert task["assignee"]["name"] == "Ann Lee"
    assert task["memberships"][0]["section"]["name"] == "Doing"
    assert task["external"] == {"gid": "hub-42", "data": "{\"link\": 1}"}
    values = {f["name"]: f["display_value"] for f in task["custom_fields"]}
    assert values == {"Status": "Doing", "Jira key": "RD-7", "Budget status": None}

    changed = asana_http.put(f"/tasks/{task['gid']}", json={"data": {
        "completed": True, "custom_fields": {budget["gid"]: _option(budget, "over budget")}}})
    assert changed.status_code == 200
    after = changed.json()["data"]
    assert after["completed"] is True
    assert after["completed_at"] is not None
    assert {f["name"]: f["display_value"] for f in after["custom_fields"]}[
        "Budget status"] == "over budget"
    assert after["modified_at"] > task["modified_at"]

    bad = asana_http.put(f"/tasks/{task['gid']}", json={"data": {
        "custom_fields": {status["gid"]: "not-an-option"}}})
    assert bad.status_code == 400
    assert "Enum option" in bad.json()["errors"][0]["message"]


def test_external_id_finds_the_task(asana_http: httpx.Client, project: dict[str, Any],
                                    sandbox: AsanaSandbox) -> None:
    task = sandbox.create_task(project["gid"], "Book booth", external={"gid": "jira-RD-1"})
    found = asana_http.get("/tasks/external:jira-RD-1").json()["data"]
    assert found["gid"] == task["gid"]
    asana_http.put("/tasks/external:jira-RD-1", json={"data": {"name": "Book booth (2m)"}})
    assert sandbox.task(task["gid"])["name"] == "Book booth (2m)"
    assert asana_http.get("/tasks/external:nope").status_code == 404
    plain = asana_http.get(f"/tasks/{sandbox.create_task(project['gid'], 'x')['gid']}")
    assert "external" not in plain.json()["data"]


def test_opt_fields_shape_list_and_task_answers(asana_http: httpx.Client,
                                                project: dict[str, Any],
                                                sandbox: AsanaSandbox) -> None:
    task = sandbox.create_task(project["gid"], "Film product video", status="Waiting",
                               assignee="ann.lee@example.com")
    compact = asana_http.get(f"/projects/{project['gid']}/tasks").json()["data"]
    assert compact == [{"gid": task["gid"], "resource_type": "task",
                        "name": "Film product video"}]
    rich = asana_http.get(f"/projects/{project['gid']}/tasks", params={
        "opt_fields": "name,assignee.email,memberships.section.name,"
                      "custom_fields.enum_value.name,modified_at"}).json()["data"][0]
    assert rich["assignee"] == {"gid": sandbox.state.user_by_email(
        "ann.lee@example.com").gid, "email": "ann.lee@example.com"}  # type: ignore[union-attr]
    assert rich["memberships"][0]["section"]["name"] == "To do"
    assert rich["custom_fields"][0]["enum_value"]["name"] == "Waiting"
    only = asana_http.get(f"/tasks/{task['gid']}", params={"opt_fields": "name,external"})
    # No external id set: no `external` (asana.yaml: an object, returned when set)
    assert only.json()["data"] == {"gid": task["gid"], "name": "Film product video"}


def test_pages_with_next_page_offsets(asana_http: httpx.Client, project: dict[str, Any],
                                      sandbox: AsanaSandbox) -> None:
    made = [sandbox.create_task(project["gid"], f"Task {n}")["gid"] for n in range(5)]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = asana_http.get(f"/projects/{project['gid']}/tasks", params=params).json()
        seen += [t["gid"] for t in page["data"]]
        if page["next_page"] is None:
            break
        assert page["next_page"]["path"].startswith(f"/projects/{project['gid']}/tasks?")
        assert page["next_page"]["uri"].endswith(page["next_page"]["path"])
        params["offset"] = page["next_page"]["offset"]
    assert seen == made
    assert asana_http.get(f"/projects/{project['gid']}/tasks",
                          params={"limit": 101}).status_code == 400
    assert asana_http.get(f"/projects/{project['gid']}/tasks",
                          params={"offset": "garbage!"}).status_code == 400


def test_modified_since_returns_only_recent_changes_where_asana_declares_it(
        asana_http: httpx.Client, project: dict[str, Any], sandbox: AsanaSandbox,
        clock: FakeClock) -> None:
    old = sandbox.create_task(project["gid"], "Old")
    untouched = sandbox.create_task(project["gid"], "Untouched")
    clock.now += 3600
    since = "2026-11-21T10:30:00Z"
    sandbox.update_task(old["gid"], notes="touched")
    new = sandbox.create_task(project["gid"], "New")

    recent = asana_http.get("/tasks", params={"modified_since": since,
                                              "project": project["gid"]}).json()["data"]
    # GET /projects/{gid}/tasks declares no modified_since: Asana ignores it there.
    every = asana_http.get(f"/projects/{project['gid']}/tasks",
                           params={"modified_since": since}).json()["data"]

    assert [t["gid"] for t in recent] == [old["gid"], new["gid"]]
    assert [t["gid"] for t in every] == [old["gid"], untouched["gid"], new["gid"]]


def test_task_text_is_never_null(asana_http: httpx.Client, project: dict[str, Any],
                                 sandbox: AsanaSandbox) -> None:
    task = sandbox.create_task(project["gid"], "Brief", notes="For the spring list")

    refused = asana_http.put(f"/tasks/{task['gid']}", json={"data": {"notes": None}})
    cleared = asana_http.put(f"/tasks/{task['gid']}", json={"data": {"notes": ""}})

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "notes: Not a string: null"
    assert cleared.status_code == 200
    assert sandbox.task(task["gid"])["notes"] == ""


def test_section_moves_and_subtasks(asana_http: httpx.Client, project: dict[str, Any],
                                    sandbox: AsanaSandbox) -> None:
    task = sandbox.create_task(project["gid"], "Approve media plan")
    done = next(s for s in asana_http.get(f"/projects/{project['gid']}/sections").json()[
        "data"] if s["name"] == "Done")
    moved = asana_http.post(f"/sections/{done['gid']}/addTask",
                            json={"data": {"task": task["gid"]}})
    assert moved.status_code == 200
    assert moved.json() == {"data": {}}
    assert sandbox.task(task["gid"])["memberships"][0]["section"]["name"] == "Done"
    sandbox.move_to_section(task["gid"], "Waiting")
    in_section = asana_http.get("/tasks", params={"section": done["gid"]}).json()["data"]
    assert in_section == []
    child = asana_http.post("/tasks", json={"data": {"name": "Check figures",
                                                     "parent": task["gid"]}}).json()["data"]
    assert child["parent"]["gid"] == task["gid"]
    subtasks = asana_http.get(f"/tasks/{task['gid']}/subtasks").json()["data"]
    assert [s["gid"] for s in subtasks] == [child["gid"]]
    other = sandbox.create_task(project["gid"], "Order swag")
    linked = asana_http.post(f"/tasks/{task['gid']}/addDependencies",
                             json={"data": {"dependencies": [other["gid"]]}})
    assert linked.status_code == 200
    deps = asana_http.get(f"/tasks/{task['gid']}/dependencies").json()["data"]
    assert [d["gid"] for d in deps] == [other["gid"]]


def test_delete_and_call_counts(asana_http: httpx.Client, project: dict[str, Any],
                                sandbox: AsanaSandbox) -> None:
    task = sandbox.create_task(project["gid"], "Scrap this")
    sandbox.calls.clear()
    assert asana_http.delete(f"/tasks/{task['gid']}").json() == {"data": {}}
    assert asana_http.get(f"/tasks/{task['gid']}").status_code == 404
    asana_http.get(f"/tasks/{task['gid']}")
    assert sandbox.calls == {"DELETE /tasks/{ref}": 1, "GET /tasks/{ref}": 2}
