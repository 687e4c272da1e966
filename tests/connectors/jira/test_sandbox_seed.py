"""Seeding the Jira sandbox: realistic, reproducible data for a 20,000-issue backfill, and a
search that pages through all of it (how fast: bench/sandbox_seed.py)."""

from __future__ import annotations

import re

import httpx

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer

EMAIL = re.compile(r"^[a-z]+\.[a-z]+\d*@example\.com$")


def test_twenty_thousand_issues_seed_and_page_through_search(
        sandbox_server: RunningServer, jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    sandbox.seed(projects=4, issues_per_project=5000, users=25)

    keys = sorted(set(sandbox.state.projects) - {"RD", "LAUNCH"})
    ids: set[str] = set()
    token, pages = None, 0
    while True:
        body = {"jql": f"project in ({', '.join(keys)}) ORDER BY updated ASC",
                "maxResults": 5000, **({"nextPageToken": token} if token else {})}
        page = jira_http.post("/rest/api/3/search/jql", json=body).json()
        ids.update(issue["id"] for issue in page["issues"])
        pages += 1
        token = page.get("nextPageToken")
        if page["isLast"]:
            break

    assert len(ids) == 20_000
    assert pages == 4


def test_seeded_data_looks_like_a_real_site(sandbox: JiraSandbox) -> None:
    sandbox.seed(projects=2, issues_per_project=300, users=12)

    seeded = [i for i in sandbox.state.issues.values() if i.project.key not in ("RD",
                                                                               "LAUNCH")]
    projects = {i.project.key for i in seeded}
    statuses = {i.status.name for i in seeded}
    emails = [u.email for u in sandbox.state.users.values() if u.email.count(".") == 2]
    sample = sandbox.issue(seeded[0].key)["fields"]

    assert projects == {"OPS", "MKT"}
    assert statuses == {"To Do", "In Progress", "In Review", "Blocked", "Done"}
    assert all(i.resolution for i in seeded if i.status.category == "done")
    assert len(emails) >= 12
    assert all(EMAIL.match(e) for e in emails)
    assert sample["description"]["type"] == "doc"
    assert sample["priority"]["name"]
    assert sum(1 for i in seeded if i.values["duedate"]) > 100
    assert sum(1 for i in seeded if i.values["labels"]) > 100


def test_the_same_seed_gives_the_same_data() -> None:
    one, two = JiraSandbox(seed=3), JiraSandbox(seed=3)
    one.seed(projects=1, issues_per_project=50)
    two.seed(projects=1, issues_per_project=50)

    def summaries(sandbox: JiraSandbox) -> list[str]:
        return [i.values["summary"] for i in sandbox.state.issues.values()]

    assert summaries(one) == summaries(two)


def test_seeding_over_http(sandbox_server: RunningServer, sandbox: JiraSandbox) -> None:
    answer = httpx.post(f"{sandbox_server.url}/_sandbox/seed",
                        json={"projects": 1, "issues_per_project": 30, "users": 5, "seed": 1})

    assert answer.status_code == 200
    assert answer.json()["issues"] == 30
    assert "OPS" in sandbox.state.projects
