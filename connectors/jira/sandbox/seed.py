"""Realistic seed data for the sandbox: people with first.last@example.com addresses, projects
(RD, LAUNCH, ...) and issues spread over the workflow, reproducible from a seed.

Seeding is a bulk import: no webhooks, no changelog; 20,000 issues take well under a second or
two.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connectors.jira.sandbox.catalog import (
    BUDGET_OPTIONS,
    BUDGET_STATUS,
    DEFAULT_ISSUE_TYPE,
    STORY_POINTS,
)
from connectors.jira.sandbox.model import DAY_MS, User
from hub.mapping.adf import text_to_adf
from hub.testing.kit.people import seed_people

if TYPE_CHECKING:
    from connectors.jira.sandbox.state import JiraState

PROJECTS = [("RD", "Research & Development"), ("LAUNCH", "Product Launch"),
            ("OPS", "Operations"), ("MKT", "Marketing"), ("FIN", "Finance"),
            ("WEB", "Website"), ("MOB", "Mobile App"), ("DATA", "Data Platform"),
            ("SEC", "Security"), ("INFRA", "Infrastructure"), ("QA", "Quality"),
            ("SUP", "Customer Support"), ("SALES", "Sales Enablement"), ("LEGAL", "Legal"),
            ("DES", "Design"), ("PLAT", "Platform"), ("API", "Public API"), ("CORE", "Core"),
            ("BI", "Business Intelligence"), ("HRX", "People Experience")]
VERBS = ["Fix", "Update", "Design", "Review", "Migrate", "Document", "Prepare", "Automate",
         "Investigate", "Refactor", "Plan", "Test", "Launch", "Audit", "Draft"]
OBJECTS = ["login timeout on mobile", "onboarding checklist", "Q3 budget forecast",
           "billing export", "release notes", "search relevance", "vendor contract",
           "SAP cost center mapping", "press kit", "data retention policy", "API rate limits",
           "holiday schedule", "dashboard filters", "payment retries", "accessibility issues",
           "customer survey", "launch webinar", "pricing page", "backup restore drill",
           "hiring plan"]
DETAILS = ["Customers reported this twice last week.", "Blocked on finance sign-off.",
           "See the notes from the planning meeting.", "Needs a decision before the freeze.",
           "Owner to confirm scope with the launch team.", "Follow-up from the audit."]
LABELS = ["backend", "frontend", "launch", "budget", "customer", "tech-debt", "q3", "urgent",
          "docs", "compliance"]
STATUS_WEIGHTS = {"new": 35, "indeterminate": 40, "done": 25}
PRIORITY_WEIGHTS = {"1": 3, "2": 17, "3": 55, "4": 20, "5": 5}


def seed_users(state: JiraState, count: int, rng: random.Random) -> list[User]:
    """`count` people, first.last@example.com (a number added when a name repeats)."""
    return seed_people(count, rng, taken=lambda email: state.user_by_email(email) is not None,
                       add=state.add_user)


def seed(state: JiraState, *, projects: int, issues_per_project: int, users: int,
         seed: int) -> None:
    """Add `users` people, `projects` projects and `issues_per_project` issues in each."""
    rng = random.Random(seed)
    with state.lock:
        people = seed_users(state, users, rng) or list(state.users.values())
        now = state.now()
        available = [p for p in PROJECTS if p[0] not in state.projects]
        for n in range(projects):
            key, name = available[n] if n < len(available) else (f"P{len(state.projects)}",
                                                                  f"Project {n + 1}")
            lead = rng.choice(people).account_id if people else None
            project = state.add_project(key, name, lead=lead)
            statuses = project.workflow.statuses
            weights = [STATUS_WEIGHTS[s.category] / sum(
                1 for t in statuses if t.category == s.category) for s in statuses]
            created = sorted(now - int(rng.uniform(1, 180) * DAY_MS)
                             for _ in range(issues_per_project))
            for when in created:
                status = rng.choices(statuses, weights)[0]
                issue = state.insert(project, _values(rng, people, now), DEFAULT_ISSUE_TYPE,
                                         rng.choice(people).account_id if people else None,
                                         when, status.name)
                issue.updated = when + int(rng.random() * (now - when))
                issue.category_changed = issue.updated
                if status.category == "done":
                    issue.resolution, issue.resolved = "10000", issue.updated


def _values(rng: random.Random, people: list[User], now: int) -> dict[str, object]:
    summary = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    values: dict[str, object] = {
        "summary": summary,
        "description": text_to_adf(f"{summary}.\n\n{rng.choice(DETAILS)}"),
        "priority": rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()))[0],
        "labels": sorted(set(rng.sample(LABELS, rng.randint(0, 2)))),
        "assignee": rng.choice(people).account_id if people and rng.random() < 0.9 else None,
        "reporter": rng.choice(people).account_id if people else None,
        "duedate": None, STORY_POINTS: None, BUDGET_STATUS: None}
    if rng.random() < 0.7:
        day = (now + int(rng.uniform(-60, 90) * DAY_MS)) // DAY_MS * DAY_MS
        values["duedate"] = _date(day)
    if rng.random() < 0.6:
        values[STORY_POINTS] = rng.choice([1, 2, 3, 5, 8, 13])
    if rng.random() < 0.4:
        values[BUDGET_STATUS] = rng.choice(list(BUDGET_OPTIONS))
    return values


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()
