"""Benchmark: the common manager queries through the API (HTTP, in-process uvicorn) against the
same queries as raw SQL, in one run, on PostgreSQL with 1,000,000 tasks.

Loads projects (in departments), people and tasks (one assignee each) with COPY into a fresh
schema, then times each query `--repeat` times both ways and prints p50/p95 and the API/raw
ratio. Run:

    .venv/bin/python bench/api_query.py [--tasks 1000000] [--repeat 200]

Target: API p95 <= 2x raw SQL p95 and <= 50 ms. "raw" is the page's task rows only, as the
issue asked; "same" is the raw SQL of the API's whole answer (the rows plus each task's
assignees, blockers and sources), with "ratio" the API's p95 against it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.api.app import create_app
from hub.auth.tokens import create_token
from hub.config.models import HubConfig
from hub.ids import new_id
from hub.model.enums import Entity
from hub.query.filters import sort_fields
from hub.query.pagination import encode_cursor, parse_sort
from hub.store.auth import Role
from hub.store.db import make_engine, make_sessionmaker
from hub.store.tables import metadata
from hub.testing.server import serve

PG_URL = os.environ.get("HUB_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STATUSES = ["todo", "in_progress", "blocked", "in_review", "done", "cancelled"]
WORDS = ["gearbox", "campaign", "invoice", "sensor", "launch", "audit", "hiring", "rollout"]
TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEPARTMENTS = [f"Dept {i}" for i in range(10)]


def load(engine: Engine, tasks: int) -> dict[str, Any]:
    """Projects, people and tasks with COPY; returns values the queries filter on."""
    projects = max(10, tasks // 500)
    people = max(10, tasks // 200)
    project_ids = [new_id() for _ in range(projects)]
    person_ids = [new_id() for _ in range(people)]
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY person (id, version, created_at, updated_at, custom, provenance, "
                      "display_name, primary_email, department, employment_status) "
                      "FROM STDIN") as copy:
            for i, pid in enumerate(person_ids):
                copy.write_row((pid, 1, NOW, NOW, "{}", "{}", f"Person {i}",
                                f"person{i}@example.com", DEPARTMENTS[i % 10], "active"))
        with cur.copy("COPY person_email (email, person_id, is_primary) FROM STDIN") as copy:
            for i, pid in enumerate(person_ids):
                copy.write_row((f"person{i}@example.com", pid, True))
        with cur.copy("COPY project (id, version, created_at, updated_at, custom, provenance, "
                      "key, name, status, department, budget_status, due_date) "
                      "FROM STDIN") as copy:
            for i, pid in enumerate(project_ids):
                copy.write_row((pid, 1, NOW, NOW, "{}", "{}", f"P{i:05}", f"Project {i}",
                                "active", DEPARTMENTS[i % 10], "unknown",
                                TODAY + timedelta(days=i % 365)))
        task_ids = []
        with cur.copy("COPY task (id, version, created_at, updated_at, custom, provenance, "
                      "project_id, title, status, due_date, labels, risks) FROM STDIN") as copy:
            for i in range(tasks):
                tid = new_id()
                task_ids.append(tid)
                updated = NOW - timedelta(seconds=tasks - i)
                due = None if i % 7 == 0 else TODAY + timedelta(days=(i % 120) - 60)
                copy.write_row((tid, 1, updated, updated, "{}", "{}",
                                project_ids[i % projects], f"{WORDS[i % 8]} task {i}",
                                STATUSES[i % 6], due, "[]", "[]"))
        with cur.copy("COPY task_assignee (task_id, person_id) FROM STDIN") as copy:
            for i, tid in enumerate(task_ids):
                copy.write_row((tid, person_ids[i % people]))
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    print(f"loaded {tasks:,} tasks, {projects:,} projects, {people:,} people in "
          f"{time.perf_counter() - started:.1f}s")
    # Task i is in project i % projects with status i % 6: P00043's tasks have odd i, so
    # some are in progress (an even-numbered project would have none).
    return {"project": "P00043", "department": "Dept 3", "email": "person77@example.com",
            "since": (NOW - timedelta(seconds=2000)).isoformat(),
            "after": task_ids[tasks // 2]}


def queries(v: dict[str, Any]) -> list[tuple[str, dict[str, str], str, str, dict[str, Any]]]:
    """(name, API params, raw SQL WHERE, its ORDER BY, parameters): what managers ask most."""
    by_id = "t.id"
    return [
        ("project tasks in progress", {"project": v["project"], "status": "in_progress"},
         "t.deleted_at IS NULL AND t.project_id IN "
         "(SELECT id FROM project WHERE key = :p OR id = :p) AND t.status = 'in_progress'",
         by_id, {"p": v["project"]}),
        ("overdue in a department", {"department": v["department"], "overdue": "true"},
         "t.deleted_at IS NULL AND t.project_id IN "
         "(SELECT id FROM project WHERE department = :d) AND t.due_date < :today AND "
         "t.status NOT IN ('done', 'cancelled')", by_id,
         {"d": v["department"], "today": TODAY}),
        ("tasks of an assignee", {"assignee": v["email"]},
         "t.deleted_at IS NULL AND t.id IN (SELECT task_id "
         "FROM task_assignee WHERE person_id IN (SELECT person_id FROM person_email "
         "WHERE email = :e))", by_id, {"e": v["email"]}),
        ("changed since, newest first", {"updated_since": v["since"], "sort": "-updated_at"},
         "t.deleted_at IS NULL AND t.updated_at >= :s", "t.updated_at DESC, t.id",
         {"s": v["since"]}),
        ("by due date", {"sort": "due_date"},
         "t.deleted_at IS NULL", "t.due_date NULLS LAST, t.id", {}),
        ("title search", {"q": "gearbox task 99"},
         "t.deleted_at IS NULL AND lower(t.title) LIKE '%gearbox task 99%'", by_id, {}),
        ("a page deep in the list", {"cursor": "{after}"},
         "t.deleted_at IS NULL AND t.id > :a", by_id, {"a": v["after"]}),
    ]


def rows_sql(where: str, order: str) -> str:
    """The page's task rows: what the issue compares the API with."""
    return f"SELECT t.* FROM task t WHERE {where} ORDER BY {order} LIMIT 51"


#: what the API shows of each task besides its row, as a DBA would add it
_LISTS = (
    "(SELECT json_agg(json_build_object('id', p.id, 'display_name', p.display_name) "
    "ORDER BY p.display_name, p.id) FROM task_assignee a JOIN person p ON p.id = a.person_id "
    "WHERE a.task_id = t.id) AS assignees, "
    "(SELECT json_agg(b.blocked_by_id ORDER BY b.blocked_by_id) FROM task_blocker b "
    "WHERE b.task_id = t.id) AS blocked_by, "
    "(SELECT json_agg(json_build_array(l.connector_id, l.remote_type, l.remote_id, l.url) "
    "ORDER BY l.connector_id, l.remote_id) FROM link l WHERE l.record_id = t.id "
    "AND l.entity = 'task' AND l.deleted_at IS NULL) AS sources")


def same_answer_sql(where: str, order: str) -> str:
    """The page with everything the API returns for it (assignees, blockers, sources), in one
    query: the lists are computed for the page's rows only."""
    return f"SELECT t.*, {_LISTS} FROM ({rows_sql(where, order)}) t ORDER BY {order}"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1,
                                                   int(len(ordered) * 0.95))]


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    for _ in range(5):
        call()  # warm caches and connections
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}", pool_size=10)
    try:
        metadata.create_all(engine)
        values = load(engine, args.tasks)
        with make_sessionmaker(engine).begin() as session:
            secret = create_token(session, Role.manager, NOW, name="bench").secret
        app = create_app(HubConfig(), engine)
        app.state.clock = lambda: NOW
        with serve(app) as server, httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {secret}"}) as http:
            print(f"{'query':32} {'raw p50':>8} {'raw p95':>8} {'api p50':>8} {'api p95':>8} "
                  f"{'p95 ratio':>9} {'same p95':>8} {'ratio':>6}")
            for name, params, where, order, bind in queries(values):
                if params.get("cursor") == "{after}":
                    params = {"cursor": _cursor_after(values["after"])}
                answer = http.get("/api/v1/tasks", params=params)
                answer.raise_for_status()
                with engine.connect() as conn:
                    _same_page(name, answer.json()["items"],
                               conn.execute(text(same_answer_sql(where, order)), bind).all())
                    raw = timed(lambda sql=rows_sql(where, order), bind=bind:
                                conn.execute(text(sql), bind).all(), args.repeat)
                    same = timed(lambda sql=same_answer_sql(where, order), bind=bind:
                                 conn.execute(text(sql), bind).all(), args.repeat)
                api = timed(lambda params=params: http.get("/api/v1/tasks",
                                                           params=params).raise_for_status(),
                            args.repeat)
                (r50, r95), (a50, a95) = percentiles(raw), percentiles(api)
                s95 = percentiles(same)[1]
                print(f"{name:32} {r50:8.2f} {r95:8.2f} {a50:8.2f} {a95:8.2f} "
                      f"{a95 / r95:9.2f} {s95:8.2f} {a95 / s95:6.2f}")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _same_page(name: str, items: list[dict[str, Any]], rows: list[Any]) -> None:
    """Both sides must answer the same question: the same tasks and assignees, in order."""
    api = [(i["id"], [a["id"] for a in i["assignees"]]) for i in items]
    raw = [(r.id, [a["id"] for a in r.assignees or []]) for r in rows[:len(items)]]
    if api != raw or not 0 <= len(rows) - len(items) <= 1:
        raise SystemExit(f"{name}: the API and the raw SQL answer differently")


def _cursor_after(task_id: str) -> str:
    """The cursor the API gives after this task in the default order."""
    return encode_cursor(parse_sort(None, sort_fields(Entity.task)), [task_id])


if __name__ == "__main__":
    main()
