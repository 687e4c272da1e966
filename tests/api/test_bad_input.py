"""Nothing a caller can send makes the hub answer 5xx: forged cursor values, NUL bytes in
parameters and ids, text longer than its column or not text at all. Each is a 400 (query) or
422 (body) problem naming the parameter, the same on SQLite and PostgreSQL; and an error the
hub didn't foresee is still a problem+json 500 that leaves the connection open.

The cases first (each one answered 500 before, on one database or both), then hypothesis
throws each class of bad input at every list, get and write.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.store.canonical import Task
from hub.testing.server import serve
from tests.api.world import World

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def cursor(sort: str, values: list[Any]) -> str:
    """A cursor as the API makes them, with any values in it."""
    raw = json.dumps({"s": sort, "v": values}, allow_nan=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _problem(answer: Any, status: int, location: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"] == location, answer.text[:500]


@pytest.mark.parametrize(("path", "sort", "values"), [
    ("/api/v1/tasks", "id", [{"$gt": ""}]),  # a dict bound as a string
    ("/api/v1/tasks", "priority,id", [10**20, "x"]),  # beyond any integer column
    ("/api/v1/tasks", "updated_at,id", ["2026-01-01T00:00:00", "x"]),  # naive
    ("/api/v1/budget-lines", "planned,id", ["sNaN", "x"]),
    ("/api/v1/budget-lines", "planned,id", ["1e999999", "x"]),
    ("/api/v1/tasks", "due_date,id", [[2026, 1, 1], "x"]),
    ("/api/v1/tasks", "id", ["x" * 5000]),
    ("/api/v1/tasks", "id", ["a\x00b"]),
    ("/api/v1/tasks", "status,id", [True, "x"]),
    ("/api/v1/conflicts", "-created_at,id", ["yesterday", "x"]),  # had no decoder at all
    ("/api/v1/conflicts", "-created_at,id", [{"a": 1}, "x"]),
    ("/api/v1/connectors/a/quarantine", "id", [[17]]),
])
def test_a_forged_cursor_value_is_400_naming_the_cursor(
        client: TestClient, world: World, path: str, sort: str, values: list[Any]) -> None:
    params = {"cursor": cursor(sort, values)}
    if "," in sort:
        params["sort"] = sort
    answer = client.get(path, params=params, headers=world.auth("admin"))

    _problem(answer, 400, "query.cursor")


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/people", "/api/v1/projects",
                                  "/api/v1/absences", "/api/v1/budget-lines"])
def test_a_nul_in_any_query_parameter_is_400_naming_it(client: TestClient, world: World,
                                                        path: str) -> None:
    for name in ("q", "department", "assignee", "email", "owner", "person", "project", "task",
                 "label", "risk", "period", "fields", "sort", "include"):
        answer = client.get(f"{path}?{name}=a%00b", headers=world.auth("admin"))
        assert answer.status_code == 400, (name, answer.text)
        assert answer.json()["errors"][0]["location"] == f"query.{name}", answer.text


@pytest.mark.parametrize("path", ["/api/v1/tasks/{}", "/api/v1/projects/{}",
                                  "/api/v1/people/{}", "/api/v1/projects/{}/overview",
                                  "/api/v1/conflicts/{}", "/api/v1/connectors/{}/quarantine"])
def test_a_nul_in_a_path_id_is_400_naming_it(client: TestClient, world: World,
                                             path: str) -> None:
    answer = client.get(path.format("RD%00x"), headers=world.auth("admin"))

    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["location"].startswith("path.")


def _patch(client: TestClient, world: World, body: bytes) -> Any:
    path = f"/api/v1/tasks/{world.ids['rd_task']}"
    etag = client.get(path, headers=world.auth("admin")).headers["etag"]
    return client.patch(path, content=body, headers={
        **world.auth("admin"), "If-Match": etag, "Content-Type": "application/json"})


@pytest.mark.parametrize(("body", "location", "words"), [
    ({"title": "x" * 1001}, "body.title", "at most 1000"),
    ({"title": "x" * 900_000}, "body.title", "at most 1000"),
    ({"title": "a\x00b"}, "body.title", "NUL"),
    ({"description": "a\x00b"}, "body.description", "NUL"),
    ({"labels": ["ok", "a\x00b"]}, "body.labels.1", "NUL"),
    ({"custom": {"note": "a\x00b"}}, "body.custom.note", "NUL"),
    ({"custom": {"note": {"deep": ["a\x00b"]}}}, "body.custom.note", "NUL"),
])
def test_text_a_database_cant_store_is_422_naming_the_field(
        client: TestClient, world: World, engine: Engine, body: dict[str, Any],
        location: str, words: str) -> None:
    answer = _patch(client, world, json.dumps(body).encode())

    _problem(answer, 422, location) if location != "body.custom.note" else \
        _problem_prefix(answer, location)
    assert words in answer.json()["detail"]
    with Session(engine) as session:  # nothing was stored, on either database
        assert session.scalar(select(Task.title).where(Task.id == world.ids["rd_task"])) \
            == "Design gearbox"


def _problem_prefix(answer: Any, location: str) -> None:
    assert answer.status_code == 422, answer.text[:500]
    assert answer.json()["errors"][0]["location"].startswith(location), answer.text[:500]


@pytest.mark.parametrize("raw", [b'{"title": "a\\ud800b"}', b'{"custom": {"k": "\\udfff"}}',
                                 b'{"\\ud800": 1}', b'{"custom": {"\\ud800": 1}}'])
def test_a_lone_surrogate_is_422_not_a_crash(client: TestClient, world: World,
                                             raw: bytes) -> None:
    answer = _patch(client, world, raw)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["location"].startswith("body")


def test_a_conflict_resolved_with_bad_text_is_422(client: TestClient, world: World) -> None:
    path = f"/api/v1/conflicts/{world.ids['rd_conflict']}/resolve"
    for body in ({"value": "a\x00b"}, {"side": "a\x00b"}, {"value": None}):
        answer = client.post(path, json=body, headers=world.auth("admin"))
        assert answer.status_code == 422, (body, answer.text)


def test_an_unforeseen_error_is_a_problem_and_keeps_the_connection(app: FastAPI,
                                                                   world: World) -> None:
    @app.get("/api/v1/_boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/api/v1/_port")
    def port(request: Request) -> dict[str, int]:
        return {"port": request.client.port if request.client else 0}

    with serve(app) as server, httpx.Client(base_url=server.url) as http:
        before = http.get("/api/v1/_port").json()["port"]
        failed = http.get("/api/v1/_boom")
        after = http.get("/api/v1/_port").json()["port"]

    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert "request id" in failed.json()["detail"]
    assert after == before  # the same TCP connection: not reset after the 500


# -- fuzzing: each class of bad input, thrown at every list, get and write -----------------

_NASTY_TEXT = st.one_of(
    st.text(min_size=0, max_size=40), st.just("a\x00b"), st.just("\x00"),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=20),
    st.just("x" * 5000), st.just("sNaN"), st.just("1e999999"), st.just("-Infinity"),
    st.just("2026-01-01T00:00:00"), st.just("2026-13-45"), st.just("9999-12-31T23:59:59+14:00"))
_NASTY_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
              st.floats(allow_nan=True, allow_infinity=True), _NASTY_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_NASTY_TEXT, inner, max_size=3)),
    max_leaves=6)
_LISTS = {"/api/v1/tasks": ["id", "title", "priority", "due_date", "updated_at", "status"],
          "/api/v1/projects": ["id", "key", "budget_status", "start_date"],
          "/api/v1/people": ["id", "display_name", "employment_status"],
          "/api/v1/budget-lines": ["id", "planned", "actual", "period"],
          "/api/v1/absences": ["id", "start", "kind"],
          "/api/v1/conflicts": ["id", "created_at"],
          "/api/v1/connectors/a/quarantine": ["id"],
          "/api/v1/connectors/a/failed-pushes": ["id"]}


@SETTINGS
@given(data=st.data())
def test_fuzzed_cursors_are_never_a_server_error(client: TestClient, world: World,
                                                 data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(sorted(_LISTS)))
    keys = data.draw(st.lists(st.sampled_from(_LISTS[path]), min_size=1, max_size=2,
                              unique=True))
    sort = ",".join(keys if keys[-1] == "id" else [*keys, "id"])
    values = data.draw(st.lists(_NASTY_VALUE, min_size=0, max_size=4))
    forged = data.draw(st.one_of(
        st.just(cursor(sort, values)),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                min_size=1, max_size=60),
        st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode())))
    params = {"cursor": forged}
    if len(_LISTS[path]) > 1:
        params["sort"] = sort
    answer = client.get(path, params=params, headers=world.auth("admin"))

    assert answer.status_code in (200, 400), (params, answer.status_code, answer.text[:300])
    if answer.status_code == 400:
        assert answer.json()["errors"][0]["location"] in ("query.cursor", "query.sort")


_PARAMS = ["q", "department", "status", "assignee", "email", "owner", "project", "label",
           "risk", "fields", "include", "sort", "updated_since", "due_before", "overdue",
           "limit", "include_deleted", "since", "record", "entity", "state", "person", "task",
           "period", "cost_center", "currency", "employment_status", "from_date"]
_PATHS = ["/api/v1/tasks", "/api/v1/projects", "/api/v1/people", "/api/v1/absences",
          "/api/v1/budget-lines", "/api/v1/conflicts", "/api/v1/changes",
          "/api/v1/tasks/{rd_task}", "/api/v1/projects/RD", "/api/v1/people/{rd_person}",
          "/api/v1/projects/RD/overview", "/api/v1/connectors/a/quarantine"]


@SETTINGS
@given(data=st.data())
def test_fuzzed_query_parameters_and_ids_are_never_a_server_error(
        client: TestClient, world: World, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_PATHS)).format(**world.ids)
    if data.draw(st.booleans()):  # a hostile id instead of a real one
        path = path.rsplit("/", 1)[0] + "/" + quote(data.draw(_NASTY_TEXT.filter(bool)), safe="")
    params = data.draw(st.dictionaries(st.sampled_from(_PARAMS), _NASTY_TEXT, max_size=3))
    role = data.draw(st.sampled_from(["admin", "department", "partner"]))
    answer = client.get(path, params=params, headers=world.auth(role))

    assert answer.status_code < 500, (path, params, answer.text[:300])
    if answer.status_code >= 400:
        assert answer.headers["content-type"] == "application/problem+json"


@SETTINGS
@given(data=st.data())
def test_fuzzed_writes_are_never_a_server_error(client: TestClient, world: World,
                                                data: st.DataObject) -> None:
    fields = ["title", "description", "status", "priority", "assignees", "due_date", "labels",
              "completed_at", "project", "custom", "name", "owner", "key", "url"]
    body = data.draw(st.dictionaries(st.sampled_from(fields), _NASTY_VALUE, max_size=3))
    raw = json.dumps(body, allow_nan=True).encode()
    if data.draw(st.booleans()):  # escapes JSON allows and text can't hold
        raw = raw.replace(b'"a', b'"\\ud800a', 1)
    target = data.draw(st.sampled_from(["task", "project", "conflict"]))
    headers = {**world.auth("admin"), "Content-Type": "application/json"}
    if target == "conflict":
        answer = client.post(f"/api/v1/conflicts/{world.ids['rd_conflict']}/resolve",
                             content=raw if data.draw(st.booleans()) else json.dumps(
                                 {"value": body.get("title")}, allow_nan=True).encode(),
                             headers=headers)
    else:
        path = f"/api/v1/{target}s/{world.ids['rd_' + target]}"
        headers["If-Match"] = client.get(path, headers=world.auth("admin")).headers["etag"]
        answer = client.patch(path, content=raw, headers=headers)

    assert answer.status_code < 500, (target, raw[:300], answer.text[:300])
    assert answer.headers["content-type"] in ("application/json", "application/problem+json")
