"""Keyset pagination: every record exactly once, in a stable order, while records change
between pages; cursors are opaque, bound to their sort, and checked."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.model.enums import Priority, TaskStatus
from hub.store.canonical import Project, Task
from tests.api.world import World

COUNT = 83


@pytest.fixture
def many(engine: Engine, world: World) -> list[str]:
    """COUNT more tasks in RD: some without a due date, some sharing one, every priority."""
    with Session(engine) as session:
        project = session.get_one(Project, world.ids["rd_project"])
        priorities = itertools.cycle([None, *Priority])
        tasks = [Task(project=project, title=f"Task {i:03}", custom={}, provenance={},
                      version=1, priority=next(priorities),
                      due_date=None if i % 5 == 0 else date(2026, 11, 1) + timedelta(i % 7))
                 for i in range(COUNT)]
        session.add_all(tasks)
        session.commit()
        return [t.id for t in tasks]


def _walk(client: TestClient, world: World, params: dict[str, str],
          between: object = None) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {**params, "limit": "7", **({"cursor": cursor} if cursor else {})}
        answer = client.get("/api/v1/tasks", params=query, headers=world.auth("manager"))
        assert answer.status_code == 200, answer.text
        seen += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        pages += 1
        if cursor is None:
            return seen
        if callable(between):
            between(pages, seen)


@pytest.mark.parametrize("sort", [None, "-due_date,title", "priority,-created_at", "status"])
def test_every_record_once_while_others_edit_them_between_pages(
        client: TestClient, world: World, many: list[str], sort: str | None) -> None:
    edits = itertools.cycle([*many, world.ids["rd_task"], world.ids["mk_task"]])

    def edit(pages: int, seen: list[dict[str, object]]) -> None:
        # Records already read and records still ahead change meanwhile (their version and
        # updated_at, not the sort keys): neither may be skipped nor repeated.
        for _ in range(3):
            record_id = next(edits)
            path = f"/api/v1/tasks/{record_id}"
            etag = client.get(path, headers=world.auth("admin")).headers["etag"]
            changed = client.patch(path, json={"description": f"edited {pages}",
                                               "labels": [f"p{pages}"]},
                                   headers={**world.auth("admin"), "If-Match": etag})
            assert changed.status_code == 200

    params = {"sort": sort} if sort else {}
    seen = _walk(client, world, params, between=edit)
    ids = [item["id"] for item in seen]

    assert len(ids) == len(set(ids)) == COUNT + 3  # the world's three tasks and ours
    untouched = _walk(client, world, params)
    assert [item["id"] for item in untouched] == ids  # the same stable order


def test_nulls_sort_last_both_ways(client: TestClient, world: World, many: list[str]) -> None:
    for sort in ("due_date", "-due_date"):
        dues = [t["due_date"] for t in _walk(client, world, {"sort": sort})]
        present = [str(d) for d in dues if d is not None]
        assert dues == present + [None] * (len(dues) - len(present))
        assert present == sorted(present, reverse=sort.startswith("-"))


def test_a_cursor_belongs_to_its_sort(client: TestClient, world: World,
                                      many: list[str]) -> None:
    first = client.get("/api/v1/tasks", params={"limit": 5, "sort": "title"},
                       headers=world.auth("manager")).json()
    other = client.get("/api/v1/tasks", params={"limit": 5, "sort": "status",
                                                "cursor": first["next_cursor"]},
                       headers=world.auth("manager"))
    forged = client.get("/api/v1/tasks", params={"cursor": "not-a-cursor"},
                        headers=world.auth("manager"))

    assert other.status_code == 400
    assert "keep the sort while paging" in other.json()["detail"]
    assert forged.status_code == 400
    assert forged.json()["errors"][0]["location"] == "query.cursor"


@pytest.mark.parametrize(("params", "words"), [
    ({"sort": "salary"}, "cannot sort by 'salary'"),
    ({"limit": "500"}, "limit"),
    ({"fields": "title,secret"}, "unknown secret"),
    ({"include": "everything"}, "unknown everything"),
    ({"due_before": "soon"}, "due_before"),
    ({"pagesize": "3"}, "pagesize"),
])
def test_bad_query_parameters_are_400_naming_them(client: TestClient, world: World,
                                                  params: dict[str, str], words: str) -> None:
    answer = client.get("/api/v1/tasks", params=params, headers=world.auth("manager"))

    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert words in answer.json()["detail"]


def test_unknown_parameters_are_refused_on_routes_without_any(client: TestClient,
                                                              world: World) -> None:
    answer = client.get(f"/api/v1/projects/{world.ids['rd_project']}/overview",
                        params={"verbose": "1"}, headers=world.auth("manager"))

    assert answer.status_code == 400
    assert "verbose" in answer.json()["detail"]


def test_statuses_filter_with_a_comma_list(client: TestClient, world: World,
                                          many: list[str]) -> None:
    answer = client.get("/api/v1/tasks", params={"status": "done,in_progress"},
                        headers=world.auth("manager")).json()

    assert {t["status"] for t in answer["items"]} == {TaskStatus.done, TaskStatus.in_progress}
