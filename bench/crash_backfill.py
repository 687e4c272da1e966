"""Benchmark and crash check: a 5,000-issue Jira backfill mirrored into Asana by three
`hub worker` processes on PostgreSQL, with a random worker killed with `kill -9` five times
while it runs (each replaced at once, as an orchestrator would).

After the hub settles it counts, from the sandboxes themselves and the hub's tables:
lost (issues with no Asana task), duplicates (Asana tasks made twice for one record), and
stuck (push intents not done, deliveries not processed, jobs still held by a dead worker).
The target is 0, 0, 0; the time beside it is the same backfill without kills, in this run.

    .venv/bin/python bench/crash_backfill.py [--issues 5000] [--kills 5]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx
from sqlalchemy import text

from bench._hub_setup import HUB, jira_connector, pg_schema, sandbox, write_config
from hub.store import migrate
from hub.store.db import make_engine

ASANA_TOKEN = "asana-pat"


def _asana_project(url: str) -> str:
    api = httpx.Client(base_url=f"{url}/api/1.0",
                       headers={"Authorization": f"Bearer {ASANA_TOKEN}"}, timeout=10)
    workspace = api.get("/workspaces").json()["data"][0]["gid"]
    return str(api.get("/projects", params={"workspace": workspace}).json()["data"][0]["gid"])


def _asana_tasks(url: str, project: str) -> list[dict[str, Any]]:
    api = httpx.Client(base_url=f"{url}/api/1.0",
                       headers={"Authorization": f"Bearer {ASANA_TOKEN}"}, timeout=60)
    tasks: list[dict[str, Any]] = []
    offset: str | None = None
    while True:
        params = {"limit": 100, "opt_fields": "gid,name,external"}
        if offset:
            params["offset"] = offset
        page = api.get(f"/projects/{project}/tasks", params=params).json()
        tasks += page["data"]
        offset = (page.get("next_page") or {}).get("offset")
        if not offset:
            return tasks


def run(issues: int, kills: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with sandbox("jira", "--seed-issues", str(issues)) as jira_url, \
            sandbox("asana") as asana_url, pg_schema() as url, \
            tempfile.TemporaryDirectory() as tmp:
        project = _asana_project(asana_url)
        config = write_config(
            Path(tmp) / "config.yaml", url,
            {"rd-jira": jira_connector(jira_url, 4),
             "mkt-asana": {"kind": "asana", "base_url": asana_url, "token": ASANA_TOKEN,
                           "projects": [project], "create_project": project,
                           "concurrency": 8, "poll": {"every": "1h"},
                           # the two sandboxes have different people: assignees stay in Jira
                           "mapping_overrides": {"types": {"task": {"fields": {"assignees": {
                               "from": "assignee.email", "transform": "person_by_email",
                               "dir": "in"}}}}}}},
            runner="queue",
            queue={"concurrency": 8, "heartbeat": "1s", "stalled_after": "5s",
                   "sweep_every": "2s"},
            sync={"entities": {"task": {"mirror": [{"from": "rd-jira", "to": "mkt-asana"}]}}})
        engine = make_engine(url)
        migrate.upgrade(engine)

        def worker() -> subprocess.Popen[bytes]:
            return subprocess.Popen([HUB, "worker", "-c", str(config)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        workers = [worker() for _ in range(3)]
        killed = 0
        started = time.perf_counter()
        deadline = started + 1800
        try:
            kill_at = started + 4.0
            while True:
                now = time.perf_counter()
                if killed < kills and now >= kill_at:
                    victim = rng.choice(workers)
                    os.kill(victim.pid, signal.SIGKILL)
                    victim.wait()
                    workers.remove(victim)
                    workers.append(worker())
                    killed += 1
                    kill_at = now + rng.uniform(3.0, 6.0)
                if killed >= kills and _settled(engine, issues):
                    break
                if now > deadline:
                    raise RuntimeError("the hub did not settle within 30 minutes")
                time.sleep(0.5)
            seconds = time.perf_counter() - started
        finally:
            for proc in workers:
                proc.send_signal(signal.SIGTERM)
            for proc in workers:
                proc.wait(60)
        tasks = _asana_tasks(asana_url, project)
        with engine.connect() as conn:
            records = set(conn.execute(text(
                "SELECT record_id FROM link WHERE connector_id = 'rd-jira' "
                "AND entity = 'task'")).scalars())
            mirrored = set(conn.execute(text(
                "SELECT record_id FROM link WHERE connector_id = 'mkt-asana' "
                "AND entity = 'task'")).scalars())
            stuck = conn.execute(text(
                "SELECT (SELECT count(*) FROM push_intent WHERE state <> 'done') + "
                "(SELECT count(*) FROM inbox_item WHERE state = 'pending') + "
                "(SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing')")).scalar_one()
            abandoned = conn.execute(text(
                "SELECT count(*) FROM job_run WHERE outcome = 'abandoned'")).scalar_one()
        engine.dispose()
    per_record = Counter((t.get("external") or {}).get("gid") for t in tasks)
    return {"seconds": seconds, "issues": len(records), "asana_tasks": len(tasks),
            "lost": len(records - mirrored) + max(0, len(records) - len(tasks)),
            "duplicates": sum(n - 1 for gid, n in per_record.items() if gid and n > 1),
            "stuck": int(stuck), "killed": killed, "abandoned_runs": int(abandoned)}


def _settled(engine: Any, issues: int) -> bool:
    """Every issue read, and no push left to try (done, or refused by the tool)."""
    with engine.connect() as conn:
        read = conn.execute(text(
            "SELECT count(*) FROM link WHERE connector_id = 'rd-jira' AND entity = 'task'")
        ).scalar_one()
        waiting = conn.execute(text(
            "SELECT count(*) FROM push_intent WHERE state = 'pending'")).scalar_one()
    return int(read) >= issues and int(waiting) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    print(f"backfill of {args.issues} Jira issues mirrored to Asana by 3 workers", flush=True)
    calm = run(args.issues, 0, args.seed)
    print(f"  without kills: {calm['seconds']:.1f} s", flush=True)
    crashed = run(args.issues, args.kills, args.seed)
    print(f"  with {crashed['killed']} kill -9: {crashed['seconds']:.1f} s", flush=True)
    print()
    for name, result in (("without kills", calm), (f"with {args.kills} kill -9", crashed)):
        print(f"{name}: {result['issues']} issues, {result['asana_tasks']} Asana tasks, "
              f"{result['seconds']:.1f} s ({result['issues'] / result['seconds']:.0f} records/s)"
              f"; lost {result['lost']}, duplicates {result['duplicates']}, stuck "
              f"{result['stuck']}; runs cut short by a kill: {result['abandoned_runs']}")
    ok = all(crashed[k] == 0 for k in ("lost", "duplicates", "stuck"))
    print(f"target 0 lost, 0 duplicates, 0 stuck: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
