"""The authorisation matrix: every role x every endpoint x a record in and out of its scope.

R&D's department token and partner Acme (sharing project RD) may know the `rd_*` records only;
for `mk_*` records they get the same 404 as for a record that doesn't exist, and nothing of
them shows in lists, counts, sources, the change feed or error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.world import World

ALL = ("admin", "manager", "viewer", "department", "partner")
UNSCOPED = ("admin", "manager", "viewer")
WRITERS = ("admin", "manager")
OPERATORS = ("admin",)


@dataclass(frozen=True)
class Case:
    """One endpoint on a record (or none), and the answer each role gets in and out of scope."""

    method: str
    path: str  # {rd} / {mk} stand for the record's id
    record: str | None  # world id prefix: rd_project -> rd_project / mk_project
    ok: int
    allowed: tuple[str, ...]  # roles answered `ok` on an in-scope record
    scoped: tuple[str, ...] = ("department", "partner")  # roles that get 404 out of scope
    body: Any = None

    def expected(self, role: str, scope: str) -> int:
        if role in self.scoped and scope == "mk":
            return 404
        return self.ok if role in self.allowed else 403


PROJECT = "project"
CASES = [
    Case("GET", "/api/v1/projects/{id}", PROJECT, 200, ALL),
    Case("GET", "/api/v1/projects/{id}/overview", PROJECT, 200, ALL),
    Case("GET", "/api/v1/tasks/{id}", "task", 200, ALL),
    Case("GET", "/api/v1/people/{id}", "person", 200, ALL),
    Case("GET", "/api/v1/absences/{id}", "absence", 200, (*UNSCOPED, "department"),
         scoped=("department",)),
    Case("GET", "/api/v1/budget-lines/{id}", "budget", 200, (*UNSCOPED, "department"),
         scoped=("department",)),
    Case("GET", "/api/v1/conflicts/{id}", "conflict", 200, (*UNSCOPED, "department"),
         scoped=("department",)),
    Case("PATCH", "/api/v1/projects/{id}", PROJECT, 200, (*WRITERS, "department"),
         body={"name": "Renamed"}),
    Case("PATCH", "/api/v1/tasks/{id}", "task", 200, (*WRITERS, "department"),
         body={"title": "Renamed"}),
    Case("POST", "/api/v1/conflicts/{id}/resolve", "conflict", 200,
         (*WRITERS, "department"), scoped=("department",), body={"side": "a"}),
    Case("GET", "/api/v1/connectors", None, 200, UNSCOPED),
    Case("GET", "/api/v1/connectors/a/quarantine", None, 200, UNSCOPED),
    Case("GET", "/api/v1/connectors/a/failed-pushes", None, 200, UNSCOPED),
    Case("GET", "/api/v1/connectors/a/refused-fields", None, 200, UNSCOPED),
    Case("POST", "/api/v1/connectors/a/retry-failed", None, 200, OPERATORS),
    Case("POST", "/api/v1/connectors/a/sync", None, 503, OPERATORS),  # no workers in tests
    Case("GET", "/metrics", None, 200, UNSCOPED),
]
LISTS = ["/api/v1/projects", "/api/v1/tasks", "/api/v1/people", "/api/v1/absences",
         "/api/v1/budget-lines", "/api/v1/conflicts", "/api/v1/changes"]


def _call(client: TestClient, world: World, role: str, case: Case, record_id: str | None,
          ) -> Any:
    headers = world.auth(role)
    path = case.path.replace("{id}", record_id or "")
    if case.method == "PATCH":
        # The current ETag, as an admin sees it: the answer must not depend on a stale one.
        current = client.get(path, headers=world.auth("admin"))
        headers["If-Match"] = current.headers["etag"]
    return client.request(case.method, path, headers=headers, json=case.body)


@pytest.mark.parametrize("role", ALL)
def test_every_endpoint_answers_each_role_as_its_scope_says(
        client: TestClient, world: World, role: str) -> None:
    wrong = []
    for case in CASES:
        for scope in ("rd", "mk") if case.record else ("rd",):
            record_id = world.ids[f"{scope}_{case.record}"] if case.record else None
            answer = _call(client, world, role, case, record_id)
            want = case.expected(role, scope)
            if answer.status_code != want:
                wrong.append(f"{case.method} {case.path} {scope}: {answer.status_code}, "
                             f"expected {want}: {answer.text[:200]}")
            elif want >= 400:
                assert answer.headers["content-type"] == "application/problem+json"
    assert wrong == []


@pytest.mark.parametrize("role", ["department", "partner"])
def test_out_of_scope_records_are_indistinguishable_from_missing_ones(
        client: TestClient, world: World, role: str) -> None:
    for kind in ("project", "task", "person"):
        hidden = client.get(f"/api/v1/{kind}s/{world.ids['mk_' + kind]}".replace("persons",
                                                                                  "people"),
                            headers=world.auth(role))
        missing = client.get(f"/api/v1/{kind}s/NOPE".replace("persons", "people"),
                             headers=world.auth(role))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["detail"] == missing.json()["detail"].replace(
            "NOPE", world.ids["mk_" + kind])


def _leaks(world: World, text: str) -> list[str]:
    secrets = [v for k, v in world.ids.items() if k.startswith("mk_")]
    secrets += ["Market kickoff", "Draft campaign", "bob@example.com", "Bob Marsh",
                "mk-remote", "Marketing", "transition refused for mk"]
    return [s for s in secrets if s in text]


@pytest.mark.parametrize("role", ["department", "partner"])
def test_nothing_out_of_scope_shows_in_lists_counts_sources_or_changes(
        client: TestClient, world: World, role: str) -> None:
    for path in LISTS:
        answer = client.get(path, headers=world.auth(role),
                            params={"include": "provenance,sources,total"}
                            if path.split("/")[-1] not in ("conflicts", "changes") else {})
        if answer.status_code == 403:
            assert role == "partner"
            continue
        if answer.status_code == 400 and path.endswith("/people"):
            # a partner reads people by name only: no provenance, no sources
            assert role == "partner"
            assert "include" in answer.json()["detail"]
            answer = client.get(path, headers=world.auth(role), params={"include": "total"})
        assert answer.status_code == 200, (path, answer.text)
        assert _leaks(world, answer.text) == [], path
        body = answer.json()
        if "total" in body:
            assert body["total"] == len(body["items"])
    overview = client.get(f"/api/v1/projects/{world.ids['rd_project']}/overview",
                          headers=world.auth(role))
    assert _leaks(world, overview.text) == []


def test_a_partner_sees_people_by_display_name_only(client: TestClient, world: World) -> None:
    people = client.get("/api/v1/people", headers=world.auth("partner")).json()["items"]
    task = client.get(f"/api/v1/tasks/{world.ids['rd_task']}",
                      headers=world.auth("partner")).json()
    changes = client.get("/api/v1/changes", headers=world.auth("partner")).text

    assert [{k: v for k, v in p.items() if k != "sources"} for p in people] == [
        {"id": world.ids["rd_person"], "display_name": "Alice Rivera"}]
    assert task["assignees"] == [{"id": world.ids["rd_person"], "display_name": "Alice Rivera"}]
    assert "alice@example.com" not in changes
    assert "Alice Rivera" in changes  # the assignee change, by name
    assert "badge" not in client.get(f"/api/v1/people/{world.ids['rd_person']}",
                                     headers=world.auth("partner")).text
