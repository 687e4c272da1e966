"""Benchmark: records through normalise + reconcile + store, against a raw bulk insert.

For SQLite and PostgreSQL: a raw executemany of the same task rows into an empty database is
the floor; the pipeline ingests synthetic fake-tool records in pages of 1,000, as a poll
would. Each measurement runs in its own process so its peak RSS is its own. Run:

    .venv/bin/python bench/pipeline.py [--records 50000] [--small 5000] [--only sqlite]

Target: pipeline within 5x of the raw insert; peak RSS flat between the small and full runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.ids import new_id
from hub.store.db import make_engine
from hub.store.tables import Task, metadata

PG_URL = os.environ.get("HUB_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PAGE = 1000
STATUSES = ["To do", "Doing", "Blocked", "Review", "Done"]
CANONICAL = {"To do": "todo", "Doing": "in_progress", "Blocked": "blocked",
             "Review": "in_review", "Done": "done"}
PEOPLE = [f"person{n}@example.com" for n in range(200)]
START = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic(n: int) -> Iterator[dict[str, Any]]:
    """The fields of n realistic fake-tool tasks, generated lazily."""
    for i in range(n):
        yield {
            "title": f"Task {i}: prepare launch material for region {i % 17}",
            "status": STATUSES[i % 5],
            "due_date": (START + timedelta(days=i % 365)).date().isoformat(),
            "assignees": [PEOPLE[i % 200], PEOPLE[(i * 7) % 200]],
            "labels": ["launch", f"q{i % 4 + 1}"],
            "priority": ["low", "medium", "high", "urgent"][i % 4],
            "jira_key": f"RD-{i}",
        }


# -- the database each measurement gets ---------------------------------------------------
def fresh_database(backend: str, workdir: Path) -> tuple[Engine, str | None]:
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}"
        engine = make_engine(url)
        metadata.create_all(engine)
        return engine, None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    metadata.create_all(engine)
    return engine, schema


def drop_schema(schema: str | None) -> None:
    if schema:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# -- the two measurements -----------------------------------------------------------------
def raw_insert(engine: Engine, n: int) -> float:
    """The floor: the same task rows, executemany in pages, nothing else."""
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for fields in synthetic(n):
            rows.append({
                "id": new_id(), "title": fields["title"],
                "status": CANONICAL[fields["status"]], "raw_status": fields["status"],
                "priority": fields["priority"],
                "due_date": datetime.fromisoformat(fields["due_date"]).date(),
                "labels": fields["labels"], "risks": [],
                "custom": {"jira_key": fields["jira_key"]}, "provenance": {}, "version": 1,
                "created_at": now, "updated_at": now,
            })
            if len(rows) == PAGE:
                conn.execute(insert(Task), rows)
                rows = []
        if rows:
            conn.execute(insert(Task), rows)
    return time.perf_counter() - started


def pipeline(engine: Engine, n: int) -> float:
    """Records through the real inbound pipeline, a page per transaction, as a poll does."""
    from pydantic import SecretStr

    from hub.config.models import HubConfig
    from hub.sdk.connector import RemoteRecord
    from hub.sdk.registry import Registry
    from hub.sync.inbound import Ingest
    from hub.sync.runtime import Runtime
    from hub.testing.fake import FakeConfig, FakeConnector, FakeTool

    FakeTool(name="bench")
    config = HubConfig(connectors={"bench": FakeConfig(tool="bench", token=SecretStr("x" * 8))})
    registry = Registry()
    registry.add(FakeConnector)
    rt = Runtime(config, registry, engine)
    started = time.perf_counter()
    page: list[RemoteRecord] = []

    def flush() -> None:
        with rt.sessions.begin() as session:
            Ingest(rt, session, "bench").run(page)
        page.clear()

    for i, fields in enumerate(synthetic(n)):
        page.append(RemoteRecord("item", f"bench-{i}", {"id": f"bench-{i}", "fields": fields},
                                 updated_at=START + timedelta(seconds=i), version="1"))
        if len(page) == PAGE:
            flush()
    if page:
        flush()
    return time.perf_counter() - started


def child(backend: str, mode: str, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, schema = fresh_database(backend, Path(tmp))
        try:
            seconds = raw_insert(engine, n) if mode == "raw" else pipeline(engine, n)
        finally:
            engine.dispose()
            drop_schema(schema)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(backend: str, mode: str, n: int) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--child", backend, mode, str(n)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{backend} {mode} {n} failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=3,
                        help="full-size runs of each kind; the median rate is reported")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "MODE", "N"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    n, small = args.records, args.small
    print(f"pipeline benchmark: {n:,} records (and {small:,} for the memory check), "
          f"pages of {PAGE}, median of {args.repeat} runs")
    header = (f"{'database':<10} {'raw rec/s':>10} {'pipeline rec/s':>15} {'ratio':>6} "
              f"{'raw RSS':>9} {'RSS @' + format(small, ','):>11} {'RSS @' + format(n, ','):>12}")
    print(header)
    for backend in [args.only] if args.only else ["sqlite", "postgres"]:
        raws = [measure(backend, "raw", n) for _ in range(args.repeat)]
        small_run = measure(backend, "pipeline", small)
        fulls = [measure(backend, "pipeline", n) for _ in range(args.repeat)]
        raw_rate = statistics.median(n / r["seconds"] for r in raws)
        pipe_rate = statistics.median(n / r["seconds"] for r in fulls)
        raw = {"peak_mb": max(r["peak_mb"] for r in raws)}
        full = {"peak_mb": max(r["peak_mb"] for r in fulls)}
        print(f"{backend:<10} {raw_rate:>10,.0f} {pipe_rate:>15,.0f} "
              f"{raw_rate / pipe_rate:>5.1f}x {raw['peak_mb']:>7.0f}MB "
              f"{small_run['peak_mb']:>9.0f}MB {full['peak_mb']:>10.0f}MB")
    print("target: ratio <= 5.0x; RSS at full size within ~10% of the small run")


if __name__ == "__main__":
    main()
