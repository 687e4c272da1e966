"""Realistic seed data for the Asana sandbox: a marketing team's people, campaign projects and
tasks spread over the sections, with Status and Budget status set, reproducible from a seed.

Seeding is a bulk import: no events, no webhooks; 10,000 tasks take well under a second or two.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connectors.asana.sandbox.catalog import BUDGET_STATUS, STATUS
from connectors.asana.sandbox.model import Task, User
from hub.testing.kit.people import seed_people

if TYPE_CHECKING:
    from connectors.asana.sandbox.state import AsanaState

DAY_MS = 86_400_000
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
         "Kemi", "Liam", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq"]
LAST = ["Okafor", "Lindqvist", "Moreau", "Patel", "Novak", "Haddad", "Kim", "Tanaka", "Silva",
        "Weber", "Adeyemi", "Murphy", "Rossi", "Berg", "Ivanova", "Sharma", "Walsh", "Garcia"]
PROJECTS = ["Spring Campaign", "Product Launch Q3", "Website Refresh", "Brand Guidelines",
            "Trade Show Berlin", "Customer Stories", "Newsletter", "Social Media Calendar",
            "Partner Marketing", "Webinar Series", "SEO Program", "Pricing Page Test"]
VERBS = ["Draft", "Review", "Design", "Publish", "Schedule", "Approve", "Translate", "Film",
         "Brief agency on", "Order", "Plan", "Localize", "Proofread", "Measure"]
OBJECTS = ["landing page copy", "launch email", "press release", "banner ads", "booth graphics",
           "case study with Acme", "blog post on onboarding", "LinkedIn carousel",
           "product video", "webinar slides", "pricing FAQ", "event swag", "budget forecast",
           "media plan", "customer quote sheet", "analyst briefing deck"]
DETAILS = ["Needs sign-off from legal before it goes out.", "Budget owner: finance.",
           "See the campaign brief in the shared drive.", "Agency deadline is firm.",
           "Coordinate with the product team on dates.", "Reuse last year's template."]
SECTION_WEIGHTS = [35, 30, 10, 25]  # To do, Doing, Waiting, Done


def seed_users(state: AsanaState, count: int, rng: random.Random) -> list[User]:
    """`count` people, first.last@example.com (a number added when a name repeats)."""
    return seed_people(count, rng, taken=lambda email: state.user_by_email(email) is not None,
                       add=state.add_user, first=FIRST, last=LAST)


def seed(state: AsanaState, *, projects: int, tasks_per_project: int, users: int,
         seed: int) -> None:
    """Add `users` people, `projects` projects and `tasks_per_project` tasks in each."""
    rng = random.Random(seed)
    with state.lock:
        people = seed_users(state, users, rng) or list(state.users.values())
        now = state.now()
        status = next(f for f in state.fields if f.name == STATUS)
        budget = next(f for f in state.fields if f.name == BUDGET_STATUS)
        taken = {p.name for p in state.projects.values()}
        names = [n for n in PROJECTS if n not in taken]
        for n in range(projects):
            name = names[n] if n < len(names) else f"Campaign {len(state.projects) + 1}"
            project = state.add_project(name)
            for _ in range(tasks_per_project):
                created = now - int(rng.uniform(1, 180) * DAY_MS)
                modified = created + int(rng.random() * (now - created))
                section = rng.choices(project.sections, SECTION_WEIGHTS)[0]
                done = section.name == "Done"
                task = Task(state.gid(), len(state.tasks), _name(rng), created, modified,
                            notes=rng.choice(DETAILS), completed=done,
                            completed_at=modified if done else None,
                            assignee=rng.choice(people) if people and rng.random() < 0.85
                            else None, memberships={project.gid: section})
                if rng.random() < 0.7:
                    task.due_on = _day(now + int(rng.uniform(-30, 90) * DAY_MS))
                option = status.option(section.name)
                task.custom[status.gid] = option.gid if option else None
                if rng.random() < 0.4:
                    task.custom[budget.gid] = rng.choice(budget.options).gid
                state.insert(task)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()
