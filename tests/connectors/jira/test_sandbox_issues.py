"""The Jira sandbox over HTTP: auth, the site's directory, and issues read, created, edited and
deleted with Jira's payloads, status codes and error bodies (v3 ADF and v2 plain text)."""

from __future__ import annotations

import re

import httpx
import pytest

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer
from tests.connectors.conftest import FakeClock
from tests.connectors.jira.conftest import http_client

JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")
NOT_AUTHENTICATED = {"errorMessages": ["Client must be authenticated to access this resource."],
                     "errors": {}}


@pytest.mark.parametrize("auth", [None, ("hub@example.com", "wrong"),
                                  ("nobody@example.com", "jira-token")])
def test_bad_or_missing_credentials_get_401_with_jiras_body(
        sandbox_server: RunningServer, auth: tuple[str, str] | None) -> None:
    with http_client(sandbox_server.url, auth) as anonymous:
        answer = anonymous.get("/rest/api/3/myself")

    assert answer.status_code == 401
    assert answer.json() == NOT_AUTHENTICATED


def test_other_accounts_can_be_configured(sandbox: JiraSandbox,
                                          sandbox_server: RunningServer) -> None:
    sandbox.add_account("bot@example.com", "bot-token", "Sync Bot")

    with http_client(sandbox_server.url, ("BOT@example.com", "bot-token")) as bot:
        me = bot.get("/rest/api/3/myself")

    assert me.status_code == 200
    assert me.json()["displayName"] == "Sync Bot"


def test_myself_and_server_info(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    me = jira_http.get("/rest/api/3/myself").json()
    info = jira_http.get("/rest/api/3/serverInfo").json()

    assert me["accountId"] == sandbox.account.account_id
    assert me["emailAddress"] == "hub@example.com"
    assert me["timeZone"] == "UTC"
    assert info["deploymentType"] == "Cloud"
    assert info["baseUrl"] == str(jira_http.base_url).rstrip("/")


def test_project_search_pages(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    sandbox.add_project("OPS", "Operations")

    first = jira_http.get("/rest/api/3/project/search", params={"maxResults": 2}).json()
    second = jira_http.get("/rest/api/3/project/search",
                           params={"startAt": 2, "maxResults": 2}).json()

    assert [p["key"] for p in first["values"]] == ["LAUNCH", "OPS"]
    assert (first["isLast"], first["total"], first["startAt"]) == (False, 3, 0)
    assert "startAt=2" in first["nextPage"]
    assert [p["key"] for p in second["values"]] == ["RD"]
    assert second["isLast"] is True


def test_fields_include_story_points_and_the_budget_select(jira_http: httpx.Client) -> None:
    fields = {f["id"]: f for f in jira_http.get("/rest/api/3/field").json()}
    contexts = jira_http.get("/rest/api/3/field/customfield_10050/context").json()
    options = jira_http.get(f"/rest/api/3/field/customfield_10050/context/"
                            f"{contexts['values'][0]['id']}/option").json()

    assert {"summary", "status", "assignee", "duedate", "labels"} <= set(fields)
    assert fields["customfield_10016"]["schema"]["type"] == "number"
    assert fields["customfield_10050"]["name"] == "Hub budget status"
    assert fields["customfield_10050"]["schema"]["custom"].endswith(":select")
    assert {"approved", "pending", "rejected", "over_budget", "unknown"} <= {
        o["value"] for o in options["values"]}


def test_user_search_matches_email_case_insensitively(jira_http: httpx.Client) -> None:
    found = jira_http.get("/rest/api/3/user/search", params={"query": "Ann.Lee@Example.com"})
    account = found.json()[0]["accountId"]
    user = jira_http.get("/rest/api/3/user", params={"accountId": account})
    missing = jira_http.get("/rest/api/3/user", params={"accountId": "nope"})

    assert [u["emailAddress"] for u in found.json()] == ["ann.lee@example.com"]
    assert set(found.json()[0]) >= {"accountId", "emailAddress", "displayName", "active",
                                    "accountType"}
    assert user.json()["displayName"] == "Ann Lee"
    assert missing.status_code == 404
    assert jira_http.get("/rest/api/3/user/search").status_code == 400


def test_create_read_and_delete_an_issue(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    ann = sandbox.add_user("ann.lee@example.com", "Ann Lee")["accountId"]
    created = jira_http.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "RD"}, "issuetype": {"name": "Task"}, "summary": "Ship the beta",
        "assignee": {"accountId": ann}, "duedate": "2026-12-01", "labels": ["beta"],
        "customfield_10016": 5, "customfield_10050": {"value": "approved"}}})

    assert created.status_code == 201
    body = created.json()
    assert body["key"] == "RD-1"
    assert body["self"].endswith(f"/rest/api/3/issue/{body['id']}")
    issue = jira_http.get(f"/rest/api/3/issue/{body['id']}").json()
    fields = issue["fields"]
    assert issue["key"] == "RD-1"
    assert fields["status"]["name"] == "To Do"
    assert fields["status"]["statusCategory"]["key"] == "new"
    assert fields["assignee"]["emailAddress"] == "ann.lee@example.com"
    assert fields["priority"]["name"] == "Medium"
    assert fields["project"]["key"] == "RD"
    assert fields["issuetype"]["name"] == "Task"
    assert fields["customfield_10016"] == 5
    assert fields["customfield_10050"]["value"] == "approved"
    assert fields["resolution"] is None
    assert JIRA_TIME.match(fields["created"])
    assert fields["created"] == "2026-11-21T10:00:00.000+0000"

    assert jira_http.delete("/rest/api/3/issue/RD-1").status_code == 204
    gone = jira_http.get("/rest/api/3/issue/RD-1")
    assert gone.status_code == 404
    assert gone.json() == {"errorMessages": [
        "Issue does not exist or you do not have permission to see it."], "errors": {}}


def test_create_names_missing_fields(jira_http: httpx.Client) -> None:
    answer = jira_http.post("/rest/api/3/issue", json={"fields": {"project": {"key": "NOPE"}}})

    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == {"project", "summary"}


def test_edit_sets_fields_and_applies_update_operations(
        jira_http: httpx.Client, sandbox: JiraSandbox, clock: FakeClock) -> None:
    key = sandbox.create_issue("RD", "Draft plan", labels=["a", "b"])["key"]
    before = sandbox.issue(key)["fields"]["updated"]
    clock.now += 90

    answer = jira_http.put(f"/rest/api/3/issue/{key}", json={
        "fields": {"summary": "Final plan", "priority": {"name": "High"}, "duedate": "2027-01-15",
                   "customfield_10050": {"value": "over_budget"}},
        "update": {"labels": [{"add": "c"}, {"remove": "a"}]}})

    assert answer.status_code == 204
    fields = jira_http.get(f"/rest/api/3/issue/{key}", params={"expand": "changelog"}).json()
    assert fields["fields"]["summary"] == "Final plan"
    assert fields["fields"]["priority"]["name"] == "High"
    assert fields["fields"]["labels"] == ["b", "c"]
    assert fields["fields"]["customfield_10050"]["value"] == "over_budget"
    assert fields["fields"]["updated"] > before
    history = fields["changelog"]["histories"][0]
    assert history["author"]["emailAddress"] == "hub@example.com"
    items = {i["field"]: i for i in history["items"]}
    assert items["summary"]["fromString"] == "Draft plan"
    assert items["summary"]["toString"] == "Final plan"
    assert items["Hub budget status"]["fieldId"] == "customfield_10050"
    assert items["labels"]["toString"] == "b c"


def test_edit_refuses_status_and_unknown_fields(jira_http: httpx.Client,
                                                sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec")["key"]

    status = jira_http.put(f"/rest/api/3/issue/{key}", json={"fields": {"status": {"name":
                                                                                   "Done"}}})
    unknown = jira_http.put(f"/rest/api/3/issue/{key}", json={"fields": {"colour": "red"}})

    assert status.status_code == 400
    assert status.json() == {"errorMessages": [], "errors": {
        "status": "Field 'status' cannot be set. It is not on the appropriate screen, or "
                  "unknown."}}
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["colour"]
    assert sandbox.issue(key)["fields"]["status"]["name"] == "To Do"


@pytest.mark.parametrize(("fields", "field"), [
    ({"description": "plain text is not ADF"}, "description"),
    ({"priority": {"name": "Urgent!"}}, "priority"),
    ({"customfield_10050": {"value": "maybe"}}, "customfield_10050"),
    ({"duedate": "next week"}, "duedate"),
    ({"assignee": {"accountId": "no-such-account"}}, "assignee"),
    ({"labels": ["has space"]}, "labels"),
])
def test_edit_rejects_invalid_values(jira_http: httpx.Client, sandbox: JiraSandbox,
                                     fields: dict[str, object], field: str) -> None:
    key = sandbox.create_issue("RD", "Spec")["key"]

    answer = jira_http.put(f"/rest/api/3/issue/{key}", json={"fields": fields})

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == [field]


def test_properties_round_trip(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec")["key"]
    url = f"/rest/api/3/issue/{key}/properties/hub"

    assert jira_http.get(url).status_code == 404
    assert jira_http.put(url, json={"id": "01HUB"}).status_code == 201
    assert jira_http.put(url, json={"id": "01HUB2"}).status_code == 200
    assert jira_http.get(url).json() == {"key": "hub", "value": {"id": "01HUB2"}}
    keys = jira_http.get(f"/rest/api/3/issue/{key}/properties").json()["keys"]
    assert [k["key"] for k in keys] == ["hub"]
    read = jira_http.get(f"/rest/api/3/issue/{key}", params={"properties": "hub"}).json()
    assert read["properties"] == {"hub": {"id": "01HUB2"}}
    assert jira_http.delete(url).status_code == 204
    assert jira_http.get(url).status_code == 404


def test_create_can_store_properties_in_the_same_call(jira_http: httpx.Client,
                                                      sandbox: JiraSandbox) -> None:
    created = jira_http.post("/rest/api/3/issue", json={
        "fields": {"project": {"key": "RD"}, "summary": "From the hub"},
        "properties": [{"key": "hub", "value": {"id": "01ABC"}}]}).json()

    assert sandbox.issue(created["key"])["properties"] == {"hub": {"id": "01ABC"}}


def test_v2_serves_plain_text_descriptions(jira_http: httpx.Client,
                                           sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Spec", description="First line\n\nSecond para")["key"]

    v2 = jira_http.get(f"/rest/api/2/issue/{key}").json()
    v3 = jira_http.get(f"/rest/api/3/issue/{key}").json()
    edited = jira_http.put(f"/rest/api/2/issue/{key}", json={"fields": {"description":
                                                                        "Rewritten"}})

    assert v2["fields"]["description"] == "First line\n\nSecond para"
    assert v2["self"].endswith(f"/rest/api/2/issue/{v2['id']}")
    assert v3["fields"]["description"]["type"] == "doc"
    assert edited.status_code == 204
    assert sandbox.issue(key)["fields"]["description"]["content"][0]["content"][0]["text"] \
        == "Rewritten"


def test_v2_mirrors_what_tap_jira_reads(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    sandbox.create_issue("RD", "Spec", description="Plain")

    for path in ("/myself", "/serverInfo", "/field", "/project/search"):
        assert jira_http.get(f"/rest/api/2{path}").status_code == 200, path
    found = jira_http.get("/rest/api/2/search/jql", params={
        "jql": "project = RD", "fields": "description"}).json()
    assert found["issues"][0]["fields"]["description"] == "Plain"


def test_calls_are_counted_by_path_template(jira_http: httpx.Client,
                                            sandbox: JiraSandbox) -> None:
    sandbox.create_issue("RD", "Spec")
    jira_http.get("/rest/api/3/issue/RD-1")
    jira_http.get("/rest/api/3/issue/RD-1")

    assert sandbox.calls["GET /rest/api/3/issue/{issueIdOrKey}"] == 2
