"""Benchmark: the scaled-out hub, all in one run, each figure beside its baseline or peer.

- fan-out: pushes to one tool whose sandbox (a process of its own) adds 50 ms to every call,
  at per-tool concurrency 1, 4 and 8 (the embedded runner's push lanes);
- drain: a burst of signed Jira deliveries already stored, drained by the embedded hub
  (SQLite, one process) and by 1, 2 and 4 `hub worker` processes (PostgreSQL), spread over
  four connectors (one connector's deliveries are drained in order, by one job at a time);
- intake: requests/s of `hub serve` taking signed deliveries, against a bare FastAPI endpoint
  that only reads the body, both under wrk (32 connections) in this run;
- the demo's budget step (`hub demo`, step 3), as it prints it.

    .venv/bin/python bench/scale_out.py [--pushes 1000] [--deliveries 20000] [--skip demo]

Targets: fan-out at concurrency 4 at least 3.5x concurrency 1; the embedded hub drains at least
what it accepts; intake at least half of the bare endpoint; the demo's budget step under 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx
from sqlalchemy import func, insert, select, text

from bench._hub_setup import (
    HUB,
    free_port,
    jira_connector,
    load,
    pg_schema,
    sandbox,
    set_latency,
    write_config,
)
from hub.model.enums import Entity
from hub.store import migrate
from hub.store.canonical import Task
from hub.store.db import make_engine
from hub.store.sync import InboxItem, InboxState
from hub.sync.edits import apply_edit
from hub.sync.jobs import poll_connector
from hub.sync.runner import EmbeddedRunner
from hub.sync.runtime import Runtime

SECRET = "bench-webhook-secret"
CONNECTORS = ("jira-a", "jira-b", "jira-c", "jira-d")


# -- fan-out --------------------------------------------------------------------------------
def fan_out(pushes: int, latency_ms: float) -> dict[int, float]:
    """Seconds to push `pushes` edits to one Jira, per concurrency."""
    out: dict[int, float] = {}
    with sandbox("jira", "--seed-issues", str(pushes)) as url:
        for concurrency in (1, 4, 8):
            with tempfile.TemporaryDirectory() as tmp:
                db = f"sqlite:///{tmp}/hub.db"
                config, registry = load(write_config(
                    Path(tmp) / "config.yaml", db, {"rd-jira": jira_connector(url, concurrency)}))
                engine = make_engine(db)
                migrate.upgrade(engine)
                rt = Runtime(config, registry, engine)
                set_latency(url, 0)
                out[concurrency] = asyncio.run(_push_all(rt, url, pushes, latency_ms,
                                                         concurrency))
                engine.dispose()
            print(f"  fan-out at concurrency {concurrency}: {pushes} pushes in "
                  f"{out[concurrency]:.1f} s ({pushes / out[concurrency]:.1f}/s)", flush=True)
    return out


async def _push_all(rt: Runtime, url: str, pushes: int, latency_ms: float,
                    concurrency: int) -> float:
    await poll_connector(rt, "rd-jira", full=True)
    now = rt.clock()
    with rt.sessions.begin() as session:  # one API edit per issue: a push each
        for task_id, version in session.execute(select(Task.id, Task.version)).all()[:pushes]:
            apply_edit(session, rt, Entity.task, task_id,
                       {"title": f"Renamed at concurrency {concurrency}"},
                       expected_version=version, source="api:bench", now=now)
    set_latency(url, latency_ms)
    return await until_idle(rt)


async def until_idle(rt: Runtime) -> float:
    """Seconds the embedded runner takes to do what the hub's tables say is waiting."""
    runner = EmbeddedRunner(rt)
    started = time.perf_counter()
    await runner.start(schedule=False)
    await runner.wait_idle(3600)
    seconds = time.perf_counter() - started
    await runner.stop()
    await rt.aclose()
    if runner.errors:
        raise RuntimeError(f"jobs failed: {list(runner.errors)[:3]}")
    return seconds


# -- deliveries -----------------------------------------------------------------------------
def jira_deliveries(n: int, connector: str) -> Iterator[tuple[dict[str, str], bytes]]:
    """Signed Jira `issue_created` deliveries of distinct issues, shaped as the sandbox's."""
    from connectors.jira.sandbox import JiraSandbox

    sb = JiraSandbox(email="hub@example.com", token="jira-token")
    sb.add_project("RD", "R&D")
    sb.state.webhooks.pause()
    sb.register_webhook("http://127.0.0.1:9/webhooks/x", SECRET)
    sb.create_issue("RD", "Template")
    template = json.loads(sb.state.webhooks.pending()[0].body)
    for i in range(n):
        event = json.loads(json.dumps(template))
        issue = event["issue"]
        issue["id"], issue["key"] = str(100000 + i), f"RD-{i + 1}"
        issue["fields"]["summary"] = f"{connector}: delivery {i}"
        body = json.dumps(event).encode()
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        yield ({"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json",
                "X-Atlassian-Webhook-Identifier": f"{connector}-{i}"}, body)


def _drain_config(path: Path, url: str, jira_url: str) -> Path:
    connectors = {cid: jira_connector(jira_url, 4, webhook={"secret": SECRET},
                                      poll={"enabled": False}) for cid in CONNECTORS}
    runner = "embedded" if url.startswith("sqlite") else "queue"
    return write_config(path, url, connectors, runner=runner,
                        queue={"concurrency": 4, "heartbeat": "1s", "sweep_every": "1s",
                               "stalled_after": "10s"})


def drain_embedded(deliveries: int, jira_url: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/hub.db"
        config, registry = load(_drain_config(Path(tmp) / "config.yaml", db, jira_url))
        engine = make_engine(db)
        migrate.upgrade(engine)
        rt = Runtime(config, registry, engine)
        _burst(rt, deliveries)
        seconds = asyncio.run(until_idle(rt))
        _check_drained(rt)
        engine.dispose()
        return seconds


def drain_workers(deliveries: int, workers: int, jira_url: str) -> float:
    """Seconds for `workers` running workers to drain a burst of stored deliveries (the burst
    is committed at once, so the clock starts with every delivery there)."""
    with pg_schema() as url, tempfile.TemporaryDirectory() as tmp:
        config_path = _drain_config(Path(tmp) / "config.yaml", url, jira_url)
        config, registry = load(config_path)
        engine = make_engine(url)
        migrate.upgrade(engine)
        rt = Runtime(config, registry, engine)
        procs = [subprocess.Popen([HUB, "worker", "-c", str(config_path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        try:
            while _workers(engine) < workers:  # started and heartbeating: warm
                time.sleep(0.1)
            _burst(rt, deliveries)
            started = time.perf_counter()  # the workers' next sweep finds the burst
            while _pending(rt):
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
        _check_drained(rt)
        if os.environ.get("BENCH_RUNS"):
            with engine.connect() as conn:
                for row in conn.execute(text(
                        "SELECT kind, connector_id, worker, started_at - queued_at, "
                        "finished_at - started_at FROM job_run ORDER BY started_at")):
                    print("   ", row)
        engine.dispose()
        return seconds


def _workers(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one())


def _burst(rt: Runtime, deliveries: int) -> None:
    """The deliveries as `hub serve` stores them, committed in one transaction."""
    from hub.ids import new_id

    rows = [{"id": new_id(), "connector_id": cid, "delivery_id": headers[
        "X-Atlassian-Webhook-Identifier"], "body_sha256": hashlib.sha256(body).hexdigest(),
             "body": body, "headers": {"content-type": "application/json"},
             "state": InboxState.pending, "attempts": 0, "received_at": rt.clock()}
            for cid in CONNECTORS
            for headers, body in jira_deliveries(deliveries // len(CONNECTORS), cid)]
    with rt.sessions.begin() as session:
        session.execute(insert(InboxItem), rows)


def _pending(rt: Runtime) -> int:
    with rt.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(InboxItem).where(
            InboxItem.state == InboxState.pending)) or 0)


def _check_drained(rt: Runtime) -> None:
    with rt.sessions() as session:
        states = dict(session.execute(select(InboxItem.state, func.count())
                                      .group_by(InboxItem.state)).all())
    if set(states) != {InboxState.processed}:
        raise RuntimeError(f"deliveries not all processed: {states}")


# -- intake ---------------------------------------------------------------------------------
WRK_SCRIPT = """
local bodies, signatures, i = {}, {}, 0
for line in io.lines(os.getenv("BENCH_BODIES")) do
  local sig, body = line:match("^(%S+) (.*)$")
  signatures[#signatures + 1] = sig
  bodies[#bodies + 1] = body
end
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["X-Hub-Signature"] = signatures[i]}, bodies[i])
end
"""

BARE_APP = """
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
app = FastAPI()

@app.post("/webhooks/{connector_id}")
async def webhook(connector_id: str, request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"status": "accepted"}, status_code=202)
"""


def wrk(url: str, bodies: Path, seconds: int) -> float:
    """Requests/s wrk gets from `url` (32 connections, 2 threads)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    result = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", script.name, url],
                            capture_output=True, text=True, check=True,
                            env={"BENCH_BODIES": str(bodies), "PATH": "/usr/bin:/bin"})
    rate = next(line for line in result.stdout.splitlines() if "Requests/sec" in line)
    non_2xx = next((line for line in result.stdout.splitlines() if "Non-2xx" in line), "")
    if non_2xx:
        print(f"    ({non_2xx.strip()})")
    return float(rate.split()[-1])


def intake(seconds: int, jira_url: str) -> tuple[float, float, float]:
    """(bare endpoint, hub embedded on SQLite, hub --no-workers on PostgreSQL) requests/s."""
    with tempfile.TemporaryDirectory() as tmp:
        bodies = Path(tmp) / "bodies.txt"
        with bodies.open("w") as f:
            for headers, body in jira_deliveries(60000, "jira-a"):
                f.write(f"{headers['X-Hub-Signature']} {body.decode()}\n")
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", tmp,
                                 "bare:app", "--port", str(port), "--log-level", "warning"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_up(f"http://127.0.0.1:{port}/docs")
            bare_rate = wrk(f"http://127.0.0.1:{port}/webhooks/jira-a", bodies, seconds)
        finally:
            proc.terminate()
            proc.wait(10)
        embedded = _hub_intake(Path(tmp), f"sqlite:///{tmp}/hub.db", jira_url, bodies, seconds,
                               queue=False)
        with pg_schema() as url:
            queued = _hub_intake(Path(tmp), url, jira_url, bodies, seconds, queue=True)
    return bare_rate, embedded, queued


def _hub_intake(tmp: Path, db: str, jira_url: str, bodies: Path, seconds: int,
                queue: bool) -> float:
    config = _drain_config(tmp / f"intake-{queue}.yaml", db, jira_url)
    engine = make_engine(db)
    migrate.upgrade(engine)
    engine.dispose()
    port = free_port()
    args = [HUB, "serve", "-c", str(config), "--port", str(port)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(f"http://127.0.0.1:{port}/healthz")
        return wrk(f"http://127.0.0.1:{port}/webhooks/jira-a", bodies, seconds)
    finally:
        proc.terminate()
        proc.wait(30)


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


# -- the demo's budget step -----------------------------------------------------------------
def demo_budget_step() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([HUB, "demo", "--directory", tmp, "--port", str(free_port())],
                       check=True, capture_output=True, timeout=600)
        summary: dict[str, Any] = json.loads((Path(tmp) / "summary.json").read_text())
    steps = summary["steps"]
    budget = next(s for s in steps if "budget" in s["step"].lower())
    return float(budget["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--deliveries", type=int, default=20000)
    parser.add_argument("--intake-seconds", type=int, default=20)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["fanout", "drain", "intake", "demo"])
    args = parser.parse_args()
    if "intake" not in args.skip and shutil.which("wrk") is None:
        sys.exit("wrk is needed for the intake figures: apt-get install -y wrk (or --skip intake)")
    results: list[str] = []
    if "fanout" not in args.skip:
        print(f"fan-out: {args.pushes} pushes to one Jira, {args.latency_ms:.0f} ms a call",
              flush=True)
        fan = fan_out(args.pushes, args.latency_ms)
        ratio4, ratio8 = fan[1] / fan[4], fan[1] / fan[8]
        results.append(f"fan-out: concurrency 1 {args.pushes / fan[1]:.1f}/s, 4 "
                       f"{args.pushes / fan[4]:.1f}/s ({ratio4:.2f}x), 8 "
                       f"{args.pushes / fan[8]:.1f}/s ({ratio8:.2f}x)  target 4 >= 3.5x: "
                       f"{'met' if ratio4 >= 3.5 else 'MISSED'}")
    drained: float | None = None
    with sandbox("jira") as jira_url:
        if "drain" not in args.skip:
            n = args.deliveries
            print(f"drain: {n} stored Jira deliveries over {len(CONNECTORS)} connectors",
                  flush=True)
            embedded = drain_embedded(n, jira_url)
            drained = n / embedded
            line = [f"embedded (SQLite) {drained:.0f}/s"]
            print(f"  embedded: {embedded:.1f} s", flush=True)
            for workers in (1, 2, 4):
                seconds = drain_workers(n, workers, jira_url)
                print(f"  {workers} worker(s): {seconds:.1f} s", flush=True)
                line.append(f"{workers} worker{'s' if workers > 1 else ''} {n / seconds:.0f}/s")
            results.append("drain: " + ", ".join(line))
        if "intake" not in args.skip:
            print("intake: wrk, 32 connections", flush=True)
            bare, embedded_rate, queued = intake(args.intake_seconds, jira_url)
            results.append(f"intake: bare FastAPI {bare:.0f}/s, hub embedded {embedded_rate:.0f}"
                           f"/s ({embedded_rate / bare:.2f}x), hub --no-workers on PostgreSQL "
                           f"{queued:.0f}/s ({queued / bare:.2f}x)  target >= 0.5x: "
                           f"{'met' if min(embedded_rate, queued) >= bare / 2 else 'MISSED'}")
            if drained is not None:
                results.append(f"embedded drains {drained:.0f}/s, accepts {embedded_rate:.0f}/s"
                               f"  target drains >= accepts: "
                               f"{'met' if drained >= embedded_rate else 'MISSED'}")
    if "demo" not in args.skip:
        print("the demo's budget step", flush=True)
        step = demo_budget_step()
        results.append(f"demo budget step: {step:.2f} s  target < 1.5 s: "
                       f"{'met' if step < 1.5 else 'MISSED'}")
    print()
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
