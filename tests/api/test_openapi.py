"""The OpenAPI description says what the code takes, so a client generated from it works: the
names `fields`, `include`, `sort` and enum filters take are declared enums, and each is taken;
`since` and `cursor` have their formats; PATCH declares If-Match; dates and times are ISO 8601
only; and `Allow` names every method of a path."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.model.enums import TaskStatus
from tests.api.world import World


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return dict(client.get("/openapi.json").json())


def _parameter(spec: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    [found] = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == name]
    return dict(found)


@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/tasks", "fields"), ("/api/v1/tasks", "include"), ("/api/v1/tasks", "sort"),
    ("/api/v1/tasks", "status"), ("/api/v1/people", "employment_status"),
    ("/api/v1/people/{person_id}", "fields"), ("/api/v1/conflicts", "sort"),
])
def test_names_a_parameter_takes_are_a_declared_enum_and_each_is_taken(
        client: TestClient, world: World, spec: dict[str, Any], path: str, name: str) -> None:
    declared = _parameter(spec, path, "get", name)
    names = declared["schema"]["items"]["enum"]
    url = path.replace("{person_id}", world.ids["rd_person"])

    assert declared["schema"]["type"] == "array"
    assert (declared["style"], declared["explode"]) == ("form", False)  # a,b
    for value in [*names, ",".join(names[:3])]:
        answer = client.get(url, params={name: value}, headers=world.auth("admin"))
        assert answer.status_code == 200, (value, answer.text)
    refused = client.get(url, params={name: "nonsense"}, headers=world.auth("admin"))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["location"] == f"query.{name}"


def test_enum_filters_declare_the_canonical_values(spec: dict[str, Any]) -> None:
    status = _parameter(spec, "/api/v1/tasks", "get", "status")
    assert status["schema"]["items"]["enum"] == [s.value for s in TaskStatus]


def test_since_and_cursor_declare_their_formats(client: TestClient, world: World,
                                                spec: dict[str, Any]) -> None:
    since = _parameter(spec, "/api/v1/changes", "get", "since")["schema"]["anyOf"][0]
    cursor = _parameter(spec, "/api/v1/tasks", "get", "cursor")["schema"]["anyOf"][0]

    assert since["pattern"] == "^[0-9]{0,18}$"
    assert cursor["pattern"] == "^[A-Za-z0-9_-]*$"
    for params in ({"since": "-1"}, {"since": "1e3"}, {"since": "²"}):
        answer = client.get("/api/v1/changes", params=params, headers=world.auth("admin"))
        assert answer.status_code == 400, params
    answer = client.get("/api/v1/tasks", params={"cursor": "not a cursor!"},
                        headers=world.auth("admin"))
    assert answer.json()["errors"][0]["location"] == "query.cursor"


@pytest.mark.parametrize(("path", "record"), [("/api/v1/tasks/{task_id}", "rd_task"),
                                              ("/api/v1/projects/{project_id}", "rd_project")])
def test_patch_declares_if_match_and_a_body_of_its_fields(
        client: TestClient, world: World, spec: dict[str, Any], path: str,
        record: str) -> None:
    if_match = _parameter(spec, path, "patch", "if-match")
    body = spec["paths"][path]["patch"]["requestBody"]["content"]["application/json"]
    url = path.split("{")[0] + world.ids[record]

    assert if_match["in"] == "header"
    assert if_match["required"] is True
    assert if_match["schema"]["pattern"] == '^"[0-9]{1,18}"$'
    assert body["schema"]["$ref"].endswith("Patch")
    missing = client.patch(url, json={"description": "x"}, headers=world.auth("admin"))
    malformed = client.patch(url, json={"description": "x"},
                             headers={**world.auth("admin"), "If-Match": "W/1"})
    assert missing.status_code == 428
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["location"] == "header.if-match"


def test_a_patch_body_declares_types_lengths_and_no_other_fields(spec: dict[str, Any]) -> None:
    task = spec["components"]["schemas"]["TaskPatch"]
    title = task["properties"]["title"]

    assert task["additionalProperties"] is False
    assert task["minProperties"] == 1
    assert title["maxLength"] == 1000
    assert "\\x00" in title["pattern"]
    custom = task["properties"]["custom"]["anyOf"][0]
    assert custom["propertyNames"]["pattern"] == "^[A-Za-z_][A-Za-z0-9_]*$"


@pytest.mark.parametrize("value", ["1700000000", "2026-05-01", "2026-05-01T09:00:00", "now"])
def test_updated_since_is_an_iso_date_time_with_a_zone(client: TestClient, world: World,
                                                       spec: dict[str, Any], value: str) -> None:
    declared = _parameter(spec, "/api/v1/tasks", "get", "updated_since")["schema"]["anyOf"][0]
    answer = client.get("/api/v1/tasks", params={"updated_since": value},
                        headers=world.auth("admin"))

    assert declared["format"] == "date-time"
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["location"] == "query.updated_since"


@pytest.mark.parametrize(("method", "path"), [("OPTIONS", "/api/v1/tasks/{rd_task}"),
                                              ("DELETE", "/api/v1/projects/{rd_project}"),
                                              ("PUT", "/api/v1/tasks")])
def test_allow_names_every_method_of_a_path(client: TestClient, world: World,
                                            spec: dict[str, Any], method: str,
                                            path: str) -> None:
    answer = client.request(method, path.format(**world.ids), headers=world.auth("admin"))
    template = path.replace("{rd_task}", "{task_id}").replace("{rd_project}", "{project_id}")
    declared = sorted(m.upper() for m in spec["paths"][template])

    assert answer.status_code == 405
    assert answer.headers["allow"].split(", ") == declared
    assert answer.headers["content-type"] == "application/problem+json"
