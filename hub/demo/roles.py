"""Every role of the demo: IT names the projects and says which department runs each (through
the API, as on day one), then one token per role with a query that answers for it now: the
admin asks who is away before a task is due, R&D's department token sees R&D's work, and the
partner agency sees the one project shared with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.auth.tokens import create_token
from hub.demo.cast import Company
from hub.demo.steps import StepFailed
from hub.store.auth import Role
from hub.store.canonical import Task

DEPARTMENT = "R&D"


@dataclass(frozen=True)
class Example:
    """A token and a query that answers for it."""

    role: str  # as the banner names it
    token: str
    what: str
    url: str

    def curl(self) -> str:
        return f"curl -H 'Authorization: Bearer {self.token}' '{self.url}'"


def organise_projects(api: httpx.Client, company: Company) -> int:
    """Give each project its name and department; returns how many were changed."""
    wanted = {plan.key: (plan.name, plan.department) for plan in company.plans}
    changed = 0
    for key, (name, department) in wanted.items():
        current = api.get(f"/api/v1/projects/{key}")
        if current.status_code != 200:
            raise StepFailed(f"reading project {key} answered {current.status_code}")
        body = current.json()
        if (body.get("name"), body.get("department")) == (name, department):
            continue
        answer = api.patch(f"/api/v1/projects/{key}", json={"name": name,
                                                             "department": department},
                           headers={"If-Match": current.headers["ETag"]})
        if answer.status_code != 200:
            raise StepFailed(f"naming project {key} answered {answer.status_code}: "
                             f"{answer.text}")
        changed += 1
    return changed


@dataclass(frozen=True)
class Tokens:
    """This run's token of each role (shown in the banner: they exist for the demo only)."""

    admin: str
    department: str
    partner: str


def make_tokens(engine: Engine, company: Company) -> Tokens:
    """An admin, a department (R&D) and a partner token (the agency, one shared project)."""
    now = datetime.now(UTC)
    with Session(engine) as session:
        admin = create_token(session, Role.admin, now, name="demo-admin").secret
        department = create_token(session, Role.department, now, name="demo-rnd",
                                  department=DEPARTMENT).secret
        partner = create_token(session, Role.partner, now, name="demo-partner",
                               partner=company.partner.name,
                               projects=[company.partner.project]).secret
        session.commit()
    return Tokens(admin, department, partner)


def examples(engine: Engine, company: Company, hub_url: str, tokens: Tokens) -> list[Example]:
    """The query that shows what each token sees, once the first sync is in."""
    partner, away = company.partner, company.absences[0]
    with Session(engine) as session:
        task_id = session.scalar(select(Task.id).where(Task.title == away.task,
                                                       Task.deleted_at.is_(None)))
    api = f"{hub_url}/api/v1"
    shared = next(p.name for p in company.plans if p.key == partner.project)
    open_tasks = urlencode({"project": partner.project, "status": "todo", "limit": 5})
    return [
        Example("admin", tokens.admin, f'who is away before "{away.task}" is due ({away.due})',
                f"{api}/absences?{urlencode({'task': task_id, 'to_date': away.due})}"),
        Example(f"department {DEPARTMENT}", tokens.department,
                f"{DEPARTMENT}'s tasks in progress (its own projects only)",
                f"{api}/tasks?{urlencode({'status': 'in_progress', 'limit': 5})}"),
        Example(f"partner {partner.name}", tokens.partner,
                f"open tasks of the shared project {partner.project} ({shared}); people by "
                "name only", f"{api}/tasks?{open_tasks}"),
    ]
