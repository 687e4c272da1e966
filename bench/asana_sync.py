"""Benchmark: the Asana connector's incremental sync (events) against a full re-read.

The Asana sandbox is served over http from a thread of this process (no latency, no faults)
and seeded with --tasks tasks over --projects projects (a bulk import: no events). The hub
backfills them into a fresh SQLite file through the whole pipeline (the first poll has no sync
tokens: it reads every project and stores a token per project); the file is then copied, so
both sides below start from the same state. A person changes --changed random tasks in the
sandbox (a new name, a status, or a due date; each change alters the canonical record), and:

  (a) incremental: `poll_connector` from the stored cursor on the original file
      (`/events` per project, then a GET of each changed task);
  (b) full re-read: `poll_connector(full=True)` on the copy (every task of every project again,
      through the same pipeline).

Each side's seconds, API calls (the sandbox's own counter, reset before each run) and records
read are printed with the ratios. Checks: (a) updates exactly the changed tasks, and both
sides end with the same canonical tasks, which match the sandbox. Run:

    .venv/bin/python bench/asana_sync.py [--tasks 10000] [--changed 1000] [--projects 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr

from connectors.asana.config import AsanaConfig
from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.asana.sandbox.catalog import STATUS
from hub.config.models import HubConfig
from hub.sdk.registry import Registry
from hub.store.db import make_engine
from hub.store.tables import metadata
from hub.sync.batch import Tally
from hub.sync.jobs import poll_connector
from hub.sync.runtime import Runtime
from hub.testing.server import serve

CONNECTOR = "mkt-asana"
TOKEN = "asana-pat"  # the sandbox's own token
STATUSES = ["To do", "Doing", "Waiting", "Done"]


# -- the hub side ---------------------------------------------------------------------------
def runtime(db: Path, url: str, projects: list[str], per_project: bool) -> Runtime:
    """One connector over every project (as configured in production), or with
    `per_project` one connector per project, each with a cursor of its own."""
    scopes = {f"{CONNECTOR}-{n}": [gid] for n, gid in enumerate(projects)} if per_project \
        else {CONNECTOR: projects}
    config = HubConfig(connectors={
        cid: AsanaConfig(base_url=url, token=SecretStr(TOKEN), projects=scope)
        for cid, scope in scopes.items()})
    registry = Registry()
    registry.add(AsanaConnector)
    engine = make_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    return Runtime(config, registry, engine)


async def measured_poll(sandbox: AsanaSandbox, db: Path, url: str, projects: list[str],
                        full: bool, per_project: bool) -> dict[str, Any]:
    """One poll (of each connector, in turn) on `db` with a runtime of its own: seconds,
    API calls, the summed tally."""
    rt = runtime(db, url, projects, per_project)
    tally = Tally()
    try:
        sandbox.calls.clear()
        started = time.perf_counter()
        for connector_id in rt.connectors:
            tally.add(await poll_connector(rt, connector_id, full=full))
        seconds = time.perf_counter() - started
        calls = Counter(sandbox.calls)
    finally:
        for connector in rt.connectors.values():
            await connector.aclose()
        rt.engine.dispose()
    return {"seconds": seconds, "calls": sum(calls.values()), "by_call": calls, "tally": tally}


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a (WAL) SQLite file."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def canonical_tasks(db: Path) -> dict[str, tuple[Any, ...]]:
    """remote gid -> the canonical task's synced fields (no timestamps or versions)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT l.remote_id, t.title, t.description, t.status, t.raw_status, t.due_date,"
            " t.completed_at, t.custom,"
            " (SELECT group_concat(email) FROM"  # person ids differ between the files
            "   (SELECT (SELECT min(e.email) FROM person_email e"
            "            WHERE e.person_id = a.person_id) AS email"
            "    FROM task_assignee a WHERE a.task_id = t.id ORDER BY email))"
            " FROM link l JOIN task t ON t.id = l.record_id"
            " WHERE l.connector_id LIKE ? AND l.deleted_at IS NULL",
            (f"{CONNECTOR}%",)).fetchall()
    conn.close()
    return {row[0]: tuple(row[1:]) for row in rows}


# -- what a person does in Asana ------------------------------------------------------------
def change_tasks(sandbox: AsanaSandbox, count: int, seed: int) -> Counter[str]:
    """Change `count` random tasks, each so its canonical record changes: a third get a new
    name, a third another status, a third another due date. What kinds were changed."""
    rng = random.Random(seed)
    state = sandbox.state
    status_field = next(f for f in state.fields if f.name == STATUS)
    kinds: Counter[str] = Counter()
    for n, gid in enumerate(rng.sample(sorted(state.tasks), count)):
        task = state.tasks[gid]
        kind = ("name", "status", "due")[n % 3]
        if kind == "name":
            sandbox.update_task(gid, name=f"{task.name} (rev {n})")
        elif kind == "status":
            option = status_field.option(str(task.custom.get(status_field.gid) or ""))
            current = "Done" if task.completed else (option.name if option else None)
            new = rng.choice([s for s in STATUSES if s != current])
            sandbox.update_task(gid, status=new, completed=new == "Done")
        else:
            due = date.fromisoformat(task.due_on) if task.due_on else date(2026, 6, 1)
            sandbox.update_task(gid, due_on=(due + timedelta(days=rng.randint(1, 30)))
                                .isoformat())
        kinds[kind] += 1
    return kinds


def sandbox_truth(sandbox: AsanaSandbox) -> dict[str, tuple[str, str | None]]:
    """gid -> (name, due_on) as the sandbox holds them."""
    return {gid: (t.name, t.due_on) for gid, t in sandbox.state.tasks.items() if not t.deleted}


# -- the table ------------------------------------------------------------------------------
def row(name: str, run: dict[str, Any]) -> str:
    tally: Tally = run["tally"]
    return (f"{name:<22} {run['seconds']:>8.2f} {run['calls']:>9,} {tally.read:>8,} "
            f"{tally.updated:>8,} {tally.unchanged:>9,} {tally.stale:>6,} {tally.created:>8,}")


def calls_line(run: dict[str, Any]) -> str:
    return ", ".join(f"{k} x{v:,}" for k, v in sorted(run["by_call"].items()))


async def run(args: argparse.Namespace) -> None:
    if args.tasks % args.projects:
        raise SystemExit("--tasks must divide evenly over --projects")
    sandbox = AsanaSandbox(token=TOKEN, seed=args.seed)
    sandbox.seed(projects=args.projects, tasks_per_project=args.tasks // args.projects,
                 users=50)
    projects = list(sandbox.state.projects)
    with tempfile.TemporaryDirectory(prefix="asana-sync-") as tmp, \
            serve(sandbox.app) as server:
        incremental_db, full_db = Path(tmp) / "incremental.db", Path(tmp) / "full.db"
        backfill = await measured_poll(sandbox, incremental_db, server.url, projects, False,
                                       args.per_project)
        copy_database(incremental_db, full_db)
        kinds = change_tasks(sandbox, args.changed, args.seed + 1)
        incremental = await measured_poll(sandbox, incremental_db, server.url, projects,
                                          False, args.per_project)
        full = await measured_poll(sandbox, full_db, server.url, projects, True,
                                   args.per_project)
        inc_state, full_state = canonical_tasks(incremental_db), canonical_tasks(full_db)
        truth = sandbox_truth(sandbox)

    print(f"asana sync: {args.tasks:,} tasks over {args.projects} projects, "
          f"{args.changed:,} changed ({kinds['name']} names, {kinds['status']} statuses, "
          f"{kinds['due']} due dates); sandbox over http in-process, SQLite, "
          + (f"{args.projects} connectors (one per project)" if args.per_project
             else "one connector over every project"))
    print(f"{'side':<22} {'seconds':>8} {'API calls':>9} {'read':>8} {'updated':>8} "
          f"{'unchanged':>9} {'stale':>6} {'created':>8}")
    print(row("backfill", backfill))
    print(row("(a) incremental", incremental))
    print(row("(b) full re-read", full))
    print(f"ratio full/incremental: {full['seconds'] / incremental['seconds']:.2f}x time, "
          f"{full['calls'] / max(incremental['calls'], 1):.2f}x API calls, "
          f"{full['tally'].read / max(incremental['tally'].read, 1):.2f}x records read")
    print(f"calls (a): {calls_line(incremental)}")
    print(f"calls (b): {calls_line(full)}")

    problems: list[str] = []
    if backfill["tally"].created != args.tasks:
        problems.append(f"the backfill created {backfill['tally'].created:,} of "
                        f"{args.tasks:,} tasks")
    if incremental["tally"].updated != args.changed:
        problems.append(f"(a) updated {incremental['tally'].updated:,} tasks, "
                        f"{args.changed:,} were changed")
    if full["tally"].updated != args.changed:
        problems.append(f"(b) updated {full['tally'].updated:,} tasks, "
                        f"{args.changed:,} were changed")
    differ = sorted(g for g in inc_state.keys() | full_state.keys()
                    if inc_state.get(g) != full_state.get(g))
    if differ:
        problems.append(f"(a) and (b) differ on {len(differ):,} tasks, e.g. {differ[0]}: "
                        f"{inc_state.get(differ[0])} vs {full_state.get(differ[0])}")
    for side, state in (("(a)", inc_state), ("(b)", full_state)):
        wrong = [g for g, (name, due) in truth.items()
                 if g not in state or (state[g][0], state[g][4]) != (name, due)]
        if wrong:
            problems.append(f"{side} disagrees with the sandbox on {len(wrong):,} tasks "
                            f"(title or due date), e.g. {wrong[0]}")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    if not problems:
        print(f"checks: (a) updated exactly the {args.changed:,} changed tasks; (a) and (b) "
              f"hold the same {len(inc_state):,} canonical tasks, matching the sandbox")
    else:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-project", action="store_true",
                        help="one connector per project (each its own cursor) instead of one "
                             "connector over every project")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
