"""How fast the sandboxes seed and serve a large scope (the timings the sandbox tests used to
assert): the Jira sandbox seeds 20,000 issues and pages through them with the enhanced search;
the Asana sandbox seeds a 10,000-task project and pages through it 100 at a time. The floor
beside each: encoding the same answers as JSON with no HTTP, no search, no state.

    .venv/bin/python bench/sandbox_seed.py [--issues 20000] [--tasks 10000]

Targets (the old test limits): Jira seed < 10 s, search < 5 s; Asana seed < 3 s, paging < 5 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.asana.sandbox import AsanaSandbox
from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import serve


def jira(issues: int) -> dict[str, float]:
    sandbox = JiraSandbox(email="hub@example.com", token="jira-token")
    started = time.perf_counter()
    sandbox.seed(projects=4, issues_per_project=issues // 4, users=25)
    seeded = time.perf_counter() - started
    keys = sorted(set(sandbox.state.projects) - {"RD", "LAUNCH"})
    pages: list[Any] = []
    with serve(sandbox.app) as server, httpx.Client(
            base_url=server.url, auth=("hub@example.com", "jira-token"), timeout=60) as http:
        started, token = time.perf_counter(), None
        while True:
            body = {"jql": f"project in ({', '.join(keys)}) ORDER BY updated ASC",
                    "maxResults": 5000, **({"nextPageToken": token} if token else {})}
            page = http.post("/rest/api/3/search/jql", json=body).json()
            pages.append(page)
            token = page.get("nextPageToken")
            if page["isLast"]:
                break
        searched = time.perf_counter() - started
    started = time.perf_counter()
    for page in pages:
        json.dumps(page)
    return {"seed": seeded, "page": searched, "floor": time.perf_counter() - started}


def asana(tasks: int) -> dict[str, float]:
    sandbox = AsanaSandbox(token="asana-pat")
    started = time.perf_counter()
    sandbox.seed(projects=1, tasks_per_project=tasks, users=20)
    seeded = time.perf_counter() - started
    project = next(p for p in sandbox.state.projects.values() if len(p.tasks) == tasks)
    pages: list[Any] = []
    with serve(sandbox.app) as server, httpx.Client(
            base_url=f"{server.url}/api/1.0", timeout=60,
            headers={"Authorization": "Bearer asana-pat"}) as http:
        started, offset = time.perf_counter(), None
        while True:
            params: dict[str, Any] = {"limit": 100, "opt_fields": "name,modified_at"}
            if offset:
                params["offset"] = offset
            page = http.get(f"/projects/{project.gid}/tasks", params=params).json()
            pages.append(page)
            if page["next_page"] is None:
                break
            offset = page["next_page"]["offset"]
        paged = time.perf_counter() - started
    started = time.perf_counter()
    for page in pages:
        json.dumps(page)
    return {"seed": seeded, "page": paged, "floor": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{'sandbox':<8} {'records':>8} {'seed s':>8} {'page s':>8} {'JSON floor s':>13}  "
          "target (seed / page)")
    for name, count, run, target in (("jira", args.issues, jira, "< 10 s / < 5 s"),
                                     ("asana", args.tasks, asana, "< 3 s / < 5 s")):
        figures = run(count)
        print(f"{name:<8} {count:>8,} {figures['seed']:>8.2f} {figures['page']:>8.2f} "
              f"{figures['floor']:>13.2f}  {target}")


if __name__ == "__main__":
    main()
