"""Benchmark: the dashboard's portfolio (200 projects) and a project page (5,000 tasks),
rendered on the server, beside the same data's JSON API calls, on PostgreSQL with 100,000
tasks.

Loads the data as bench/api_query.py does (COPY into a fresh schema), moves 4,500 tasks into
one project so that it holds 5,000, signs a manager in (a dashboard session), then times each
page `--repeat` times over HTTP (in-process uvicorn) and prints p50/p95 beside the JSON calls
that carry the same data. Run:

    .venv/bin/python bench/dashboard.py [--tasks 100000] [--repeat 50]

Target: each page's p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_query import NOW, load, percentiles, timed

from bench._hub_setup import pg_schema
from hub.api.app import create_app
from hub.auth.tokens import create_token
from hub.config.models import HubConfig
from hub.store.auth import Role
from hub.store.db import make_engine, make_sessionmaker
from hub.store.tables import metadata
from hub.testing.server import serve
from hub.ui import sessions

TARGET_MS = 150.0
BIG = "P00043"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with pg_schema() as url:
        engine = make_engine(url, pool_size=10)
        try:
            _measure(engine, args.tasks, args.repeat)
        finally:
            engine.dispose()


def _measure(engine: Engine, tasks: int, repeat: int) -> None:
    metadata.create_all(engine)
    load(engine, tasks)
    with engine.begin() as conn:
        big = conn.execute(text("SELECT id FROM project WHERE key = :k"), {"k": BIG}).scalar()
        conn.execute(text("UPDATE task SET project_id = :p WHERE id IN (SELECT id FROM task "
                          "WHERE project_id <> :p ORDER BY id LIMIT 4500)"), {"p": big})
        count = conn.execute(text("SELECT count(*) FROM task WHERE project_id = :p"),
                             {"p": big}).scalar()
        projects = conn.execute(text("SELECT count(*) FROM project")).scalar()
        conn.execute(text("ANALYZE"))
    print(f"project {BIG} holds {count:,} tasks; {projects:,} projects")
    with make_sessionmaker(engine).begin() as session:
        token = create_token(session, Role.manager, NOW, name="bench")
        session.flush()
        cookie = sessions.open_session(session, NOW, provider="token",
                                       token_id=token.token.id)
        secret = token.secret
    app = create_app(HubConfig(), engine)
    app.state.clock = lambda: NOW
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        page_calls = {
            "portfolio page": lambda: http.get(
                "/ui/portfolio", cookies={sessions.COOKIE: cookie}).raise_for_status(),
            f"project page ({count:,} tasks)": lambda: http.get(
                f"/ui/projects/{BIG}", cookies={sessions.COOKIE: cookie}
            ).raise_for_status(),
        }
        bearer = {"Authorization": f"Bearer {secret}"}
        json_calls = {
            "portfolio page": lambda: http.get(
                "/api/v1/projects", params={"limit": 200}, headers=bearer
            ).raise_for_status(),
            f"project page ({count:,} tasks)": lambda: (
                http.get(f"/api/v1/projects/{BIG}/overview",
                         headers=bearer).raise_for_status(),
                http.get("/api/v1/tasks", params={"project": BIG, "limit": 200,
                                                  "sort": "due_date"},
                         headers=bearer).raise_for_status()),
        }
        print(f"{'page':30} {'html p50':>9} {'html p95':>9} {'json p50':>9} "
              f"{'json p95':>9}  target")
        for name, call in page_calls.items():
            h50, h95 = percentiles(timed(call, repeat))
            j50, j95 = percentiles(timed(json_calls[name], repeat))
            verdict = "met" if h95 < TARGET_MS else "MISSED"
            print(f"{name:30} {h50:9.1f} {h95:9.1f} {j50:9.1f} {j95:9.1f}  "
                  f"p95 < {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
