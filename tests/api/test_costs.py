"""What a read costs the database: a page of records, with everything it shows, is one
statement whatever its size; every request gives its connection back, failed ones too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.query.plans import PLAN_WITH_VALUES, plan_with_values
from hub.store.canonical import Task, task_assignee, task_blocker
from hub.store.sync import Link
from tests.api.world import World


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs from now on."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def busy_tasks(engine: Engine, world: World) -> None:
    """60 more R&D tasks, each with assignees, a blocker and a source."""
    with Session(engine) as session:
        tasks = [Task(id=f"T{i:03}", project_id=world.ids["rd_project"], title=f"Step {i}",
                      custom={}, provenance={}, version=1) for i in range(60)]
        session.add_all(tasks)
        session.flush()
        session.execute(insert(task_assignee), [
            {"task_id": t.id, "person_id": world.ids[person]}
            for t in tasks for person in ("rd_person", "mk_person")])
        session.execute(insert(task_blocker), [
            {"task_id": t.id, "blocked_by_id": world.ids["rd_task"]} for t in tasks])
        session.add_all([Link(connector_id="a", remote_type="item", remote_id=f"r-{t.id}",
                              entity=Entity.task, record_id=t.id, shadow={}) for t in tasks])
        session.commit()


@pytest.mark.parametrize("limit", [1, 10, 50])
def test_a_page_of_tasks_is_one_statement_whatever_it_shows(
        client: TestClient, world: World, busy_tasks: None, statements: list[str],
        limit: int) -> None:
    client.get("/api/v1/tasks", params={"limit": 1}, headers=world.auth("manager"))
    statements.clear()  # the token is checked now, and cached

    answer = client.get("/api/v1/tasks", params={"limit": limit, "department": "R&D",
                                                "sort": "-title"},
                        headers=world.auth("manager"))

    items = answer.json()["items"]
    assert len(items) == limit
    step = items[0]
    assert [a["display_name"] for a in step["assignees"]] == ["Alice Rivera", "Bob Marsh"]
    assert step["blocked_by"] == [world.ids["rd_task"]]
    assert [s["remote_id"] for s in step["sources"]] == [f"r-{step['id']}"]
    assert len(statements) == 1, statements


def test_a_record_is_one_statement(client: TestClient, world: World,
                                   statements: list[str]) -> None:
    client.get("/api/v1/people", params={"limit": 1}, headers=world.auth("manager"))
    statements.clear()

    person = client.get(f"/api/v1/people/{world.ids['rd_person']}",
                        headers=world.auth("manager")).json()

    assert person["emails"] == ["alice@example.com"]
    assert len(statements) == 1, statements


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/v1/tasks", 200),
    ("GET", "/api/v1/tasks/{rd_task}", 200),
    ("GET", "/api/v1/tasks/nope", 404),
    ("GET", "/api/v1/tasks?cursor=nope", 400),
    ("PATCH", "/api/v1/tasks/{rd_task}", 422),
])
def test_every_request_gives_its_connection_back(client: TestClient, world: World,
                                                 engine: Engine, method: str, path: str,
                                                 status: int) -> None:
    answer = client.request(method, path.format(**world.ids), json={"status": "finished"},
                            headers={**world.auth("manager"), "If-Match": '"1"'})

    assert answer.status_code == status
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_marked_statements_are_planned_with_their_values_every_time(engine: Engine) -> None:
    if engine.dialect.driver != "psycopg":
        pytest.skip("only psycopg prepares statements on its own")
    plan_with_values(engine)
    query = select(Task.id).where(Task.title.contains("gear")).limit(51)

    with engine.connect() as conn:
        for _ in range(8):  # psycopg prepares a statement after its 5th run on a connection
            conn.execute(query.execution_options(**PLAN_WITH_VALUES)).all()
        marked = conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
        for _ in range(8):
            conn.execute(query).all()
        unmarked = conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))

    assert (marked, unmarked) == (0, 1)
