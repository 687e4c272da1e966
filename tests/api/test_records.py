"""Reading records: the filters managers ask for, sparse fieldsets, sources with deep links,
provenance per field, and a project's overview."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.world import World


def _titles(client: TestClient, world: World, **params: str) -> list[str]:
    answer = client.get("/api/v1/tasks", params={**params, "sort": "title"},
                        headers=world.auth("manager"))
    assert answer.status_code == 200, answer.text
    return [t["title"] for t in answer.json()["items"]]


@pytest.mark.parametrize(("params", "titles"), [
    ({"department": "R&D"}, ["Design gearbox", "Pick motor"]),
    ({"project": "MK"}, ["Draft campaign"]),
    ({"assignee": "ALICE@example.com"}, ["Design gearbox", "Pick motor"]),
    ({"status": "todo"}, ["Draft campaign"]),
    ({"overdue": "true"}, ["Design gearbox", "Draft campaign"]),  # today is 2026-11-02
    ({"overdue": "false"}, ["Pick motor"]),
    ({"due_after": "2026-10-02"}, ["Pick motor"]),
    ({"due_before": "2026-10-01"}, ["Design gearbox", "Draft campaign"]),
    ({"q": "GEAR"}, ["Design gearbox"]),
    ({"q": "%"}, []),  # a LIKE wildcard is just a character
    ({"updated_since": "2099-01-01T00:00:00Z"}, []),
])
def test_task_filters(client: TestClient, world: World, params: dict[str, str],
                      titles: list[str]) -> None:
    assert _titles(client, world, **params) == titles


def test_the_assignee_filter_takes_a_person_id(client: TestClient, world: World) -> None:
    assert _titles(client, world, assignee=world.ids["mk_person"]) == ["Draft campaign"]


def test_project_filters_and_lookup_by_key(client: TestClient, world: World) -> None:
    listed = client.get("/api/v1/projects", params={"department": "Marketing,Sales"},
                        headers=world.auth("viewer")).json()["items"]
    by_key = client.get("/api/v1/projects/RD", headers=world.auth("viewer"))

    assert [p["key"] for p in listed] == ["MK"]
    assert by_key.json()["id"] == world.ids["rd_project"]
    assert by_key.headers["etag"] == '"1"'


def test_fields_keep_answers_small(client: TestClient, world: World) -> None:
    answer = client.get(f"/api/v1/tasks/{world.ids['rd_task']}",
                        params={"fields": "title,status"}, headers=world.auth("viewer"))

    assert answer.json() == {"id": world.ids["rd_task"], "title": "Design gearbox",
                             "status": "in_progress"}
    assert answer.headers["etag"] == '"1"'  # the version is known even when not shown


def test_sources_deep_link_into_each_tool(client: TestClient, world: World) -> None:
    task = client.get(f"/api/v1/tasks/{world.ids['rd_task']}",
                      headers=world.auth("viewer")).json()

    assert task["sources"] == [{"connector": "a", "kind": "fake", "remote_type": "item",
                                "remote_id": "rd-remote",
                                "url": "https://a.example/rd-remote"}]


def test_provenance_names_the_tool_and_time_of_each_field(client: TestClient,
                                                          world: World) -> None:
    project = client.get(f"/api/v1/projects/{world.ids['rd_project']}",
                         params={"include": "provenance"}, headers=world.auth("viewer")).json()

    # A record created in one go has one shared entry: every field comes from tool a.
    assert project["provenance"]["name"] == {"source": "a", "at": "2026-11-02T09:00:00+00:00",
                                             "version": 1}
    assert set(project["provenance"]) >= {"name", "status", "owner", "due_date"}


def test_people_absences_and_budgets(client: TestClient, world: World) -> None:
    people = client.get("/api/v1/people", params={"email": "bob@example.com"},
                        headers=world.auth("viewer")).json()["items"]
    away = client.get("/api/v1/absences", params={"from_date": "2026-11-13",
                                                   "to_date": "2026-11-20"},
                      headers=world.auth("viewer")).json()["items"]
    budgets = client.get("/api/v1/budget-lines", params={"project": "RD"},
                         headers=world.auth("viewer")).json()["items"]

    assert [(p["display_name"], p["emails"]) for p in people] == [
        ("Bob Marsh", ["bob@example.com"])]
    assert [a["person_id"] for a in away] == [world.ids["rd_person"]]
    assert [(b["approved"], b["actual"]) for b in budgets] == [("1000", "400.5")]


def test_the_overview_of_a_project(client: TestClient, world: World) -> None:
    overview = client.get("/api/v1/projects/RD/overview", headers=world.auth("manager")).json()

    assert overview["tasks_by_status"]["in_progress"] == 1
    assert overview["tasks_by_status"]["done"] == 1
    assert overview["overdue"] == 1
    assert overview["progress"] == {"total": 2, "done": 1, "due_by_now": 2, "done_ratio": 0.5,
                                    "planned_ratio": 1.0, "on_track": False}
    assert overview["budget"] == [{"currency": "EUR", "lines": 1, "planned": None,
                                   "approved": "1000", "actual": "400.5",
                                   "remaining": "599.5", "over_budget": False}]
    assert overview["open_conflicts"] == 1
    assert [c["fields"] for c in overview["last_changes"]] == [["assignees", "title"]]


def test_a_partner_overview_has_no_budget(client: TestClient, world: World) -> None:
    overview = client.get("/api/v1/projects/RD/overview", headers=world.auth("partner")).json()
    assert overview["budget"] is None
