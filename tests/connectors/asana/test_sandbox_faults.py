"""Fault knobs (from Python and over `/_sandbox/faults`) and bulk seeding of the Asana
sandbox: what a client sees when Asana is slow, rate limited or failing, and paging through a
10,000-task project."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.asana.sandbox import AsanaSandbox
from hub.testing.server import RunningServer


def test_rate_limit_answers_429_with_retry_after(asana_http: httpx.Client,
                                                 sandbox: AsanaSandbox) -> None:
    sandbox.faults.rate_limit(2, retry_after=30)
    for _ in range(2):
        limited = asana_http.get("/users/me")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "30"
        assert "too many requests" in limited.json()["errors"][0]["message"]
    assert asana_http.get("/users/me").status_code == 200


def test_fail_next_and_random_errors(asana_http: httpx.Client, sandbox: AsanaSandbox,
                                     sandbox_server: RunningServer) -> None:
    knobs = httpx.post(f"{sandbox_server.url}/_sandbox/faults",
                       json={"fail_next": {"calls": 2, "status": 502}})
    assert knobs.json()["failing_calls"] == 2
    statuses = [asana_http.get("/users/me").status_code for _ in range(3)]
    assert statuses == [502, 502, 200]
    sandbox.faults.fail_next(1)
    failed = asana_http.get("/users/me")
    assert "phrase" in failed.json()["errors"][0]
    sandbox.faults.error_rate = 1.0
    assert asana_http.get("/users/me").status_code in (500, 502, 503, 504)
    httpx.delete(f"{sandbox_server.url}/_sandbox/faults")
    assert asana_http.get("/users/me").status_code == 200


def test_latency_and_slow_answers(asana_http: httpx.Client, sandbox: AsanaSandbox,
                                  project: dict[str, Any]) -> None:
    sandbox.faults.latency_ms = 300
    with httpx.Client(base_url=str(asana_http.base_url), headers=asana_http.headers,
                      timeout=0.05) as hurried:
        try:
            hurried.get("/users/me")
            raise AssertionError("the answer came before the latency the knob adds")
        except httpx.ReadTimeout:
            pass
    sandbox.faults.latency_ms = 0
    sandbox.faults.slow_seconds = 0.3
    with httpx.Client(base_url=str(asana_http.base_url), headers=asana_http.headers,
                      timeout=0.1) as impatient:
        try:
            impatient.post("/tasks", json={"data": {"name": "Landed anyway",
                                                    "projects": [project["gid"]]}})
            raise AssertionError("the slow answer came in time")
        except httpx.ReadTimeout:
            pass
    sandbox.faults.slow_seconds = 0
    # the write landed although its answer was too slow for the client
    names = [t["name"] for t in asana_http.get(f"/projects/{project['gid']}/tasks").json()[
        "data"]]
    assert names == ["Landed anyway"]


def test_seeding_ten_thousand_tasks_and_paging_through_them(
        asana_http: httpx.Client, sandbox: AsanaSandbox) -> None:
    # How fast: bench/sandbox_seed.py. Here: all of it, in pages of 100.
    sandbox.seed(projects=1, tasks_per_project=10_000, users=20)
    project = next(p for p in sandbox.state.projects.values() if len(p.tasks) == 10_000)
    seen, offset = 0, None
    while True:
        params: dict[str, Any] = {"limit": 100, "opt_fields": "name,modified_at"}
        if offset:
            params["offset"] = offset
        page = asana_http.get(f"/projects/{project.gid}/tasks", params=params).json()
        seen += len(page["data"])
        if page["next_page"] is None:
            break
        offset = page["next_page"]["offset"]
    assert seen == 10_000
    assert sandbox.calls["GET /projects/{gid}/tasks"] == 100
    too_big = asana_http.get(f"/projects/{project.gid}/tasks")
    assert too_big.status_code == 400
    sample = sandbox.task(next(iter(project.tasks)))
    status = {f["name"]: f["display_value"] for f in sample["custom_fields"]}["Status"]
    assert status == sample["memberships"][0]["section"]["name"]


def test_seeding_over_http(sandbox_server: RunningServer, sandbox: AsanaSandbox) -> None:
    answer = httpx.post(f"{sandbox_server.url}/_sandbox/seed",
                        json={"projects": 2, "tasks_per_project": 30, "users": 5})
    assert answer.json()["tasks"] == 60
    assert answer.json()["projects"] == 3
    assert httpx.get(f"{sandbox_server.url}/_sandbox/calls").json() == {}
