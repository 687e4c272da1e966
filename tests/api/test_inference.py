"""Nothing a role can't read can be inferred either: every answer it can get (lists with every
filter, sort and include, page after page by cursor, gets, overviews, the change feed) is the
same, byte for byte, before and after the facts hidden from it change.

The partner case changes HR facts (a leaver with another address, department, manager, HR
record and link, deleted by HR; the `assignee_inactive` risk on her task) and the budget gate;
the department case changes what R&D can't read of a Marketing person assigned to an R&D task.
A manager, who reads it all, sees the answers change: the battery is not blind.

Left out on purpose: a derivation bumps the version and `updated_at` of the task (or project)
it changes, as the engine records every change; these facts are written without that.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from hub.model.enums import EmploymentStatus, Entity, TaskStatus
from hub.query.params import LIST_PARAMS, PAGING, SORT_KEYS
from hub.store.canonical import Absence, Person, PersonEmail, Project, Task
from hub.store.sync import AuditEntry, Conflict, Link
from tests.api.test_visibility import RESOURCES, example
from tests.api.world import NOW, World

#: values of filters that would tell hidden facts apart, besides `example`'s
PROBES = {"employment_status": ["terminated", "active", "on_leave"],
          "email": ["alice@example.com", "alice.r@home.example", "bob@example.com",
                    "bob.m@home.example"],
          "assignee": ["alice@example.com", "alice.r@home.example", "bob.m@home.example"],
          "owner": ["alice@example.com", "alice.r@home.example"],
          "department": ["R&D", "Ops", "Marketing"], "risk": ["assignee_inactive", "overdue"],
          "budget_status": ["rejected", "unknown"], "include_deleted": ["true"],
          "updated_since": ["2026-11-03T00:00:00Z"], "q": ["Alice", "Bob"]}


def _pages(client: TestClient, headers: dict[str, str], path: str,
           params: dict[str, str]) -> list[Any]:
    """An answer, or each page of it (limit 1) with its cursor, as comparable values."""
    out: list[Any] = []
    params = dict(params)
    for _ in range(12):
        answer = client.get(path, params=params, headers=headers)
        body = answer.json() if answer.content else None
        out.append((answer.status_code, answer.headers.get("etag"), body))
        if answer.status_code != 200 or not isinstance(body, dict) \
                or not body.get("next_cursor") or "limit" not in params:
            break
        params["cursor"] = body["next_cursor"]
    return out


def battery(client: TestClient, world: World, role: str) -> dict[str, Any]:
    """Every answer `role` can get about the world, keyed by request."""
    headers = world.auth(role)
    seen: dict[str, Any] = {}

    def ask(path: str, **params: str) -> None:
        seen[f"{path} {sorted(params.items())}"] = _pages(client, headers, path, params)

    for entity, resource in RESOURCES.items():
        path = f"/api/v1/{resource}"
        ask(path)
        ask(path, include="total")
        for extra in ("provenance", "sources"):
            ask(path, include=extra)
        for key in ("id", *SORT_KEYS[entity]):
            for sign in ("", "-"):
                ask(path, sort=sign + key, limit="1")
        for name in set(LIST_PARAMS[entity].model_fields) - PAGING:
            for value in [example(entity, name, world), *PROBES.get(name, [])]:
                ask(path, **{name: value})
    for name in ("rd_project", "rd_task", "rd_done", "rd_person", "mk_person", "bob_task"):
        resource = {"project": "projects", "task": "tasks", "done": "tasks",
                    "person": "people"}[name.split("_")[1]]
        for include in ("", "provenance", "sources"):
            ask(f"/api/v1/{resource}/{world.ids[name]}", **({"include": include}
                                                            if include else {}))
    ask("/api/v1/projects/RD/overview")
    ask("/api/v1/conflicts")
    # The feed's positions are global (a gap says something else happened, not what): its
    # entries must match, the position it hands back may move on.
    for params in ({}, {"entity": "task"}, {"entity": "person"}, {"limit": "1"}):
        answer = client.get("/api/v1/changes", params=params, headers=headers)
        seen[f"changes {params}"] = (answer.status_code, answer.json().get("items"))
    return seen


@pytest.fixture
def bob_on_rd(engine: Engine, world: World) -> World:
    """Marketing's Bob also works on an R&D task; R&D's department token sees him there."""
    with Session(engine) as session:
        bob = session.get_one(Person, world.ids["mk_person"])
        task = Task(project_id=world.ids["rd_project"], title="Review ad copy",
                    status=TaskStatus.todo, assignees=[bob], custom={}, provenance={},
                    version=1)
        session.add(task)
        session.flush()
        world.ids["bob_task"] = task.id
        session.add(AuditEntry(entity=Entity.task, record_id=task.id, action="update",
                               changes={"assignees": {"old": [], "new": ["bob@example.com"]}},
                               source="a", at=NOW))
        session.add(Conflict(entity=Entity.task, record_id=task.id, field="assignees",
                             base=[], policy="manual", candidates=[
                                 {"source": "a", "value": ["bob@example.com"], "at": None},
                                 {"source": "b", "value": [], "at": None}]))
        session.commit()
    return world


def _hr_changes(engine: Engine, world: World, who: str) -> None:
    """What HR (and finance) change about `who`, written as the engine would leave it, except
    that the shared task's version stays."""
    person_id = world.ids[who]
    later = NOW + timedelta(days=1)
    with Session(engine) as session:
        person = session.get_one(Person, person_id)
        local = (person.primary_email or "x@").split("@")[0]
        session.add(PersonEmail(email=f"{local}.r@home.example", person_id=person_id))
        session.execute(update(Person).where(Person.id == person_id).values(
            employment_status=EmploymentStatus.terminated if who == "rd_person" else
            EmploymentStatus.active,
            department="Ops" if who == "rd_person" else person.department,
            manager_id=world.ids["mk_person" if who == "rd_person" else "rd_person"],
            custom={"badge": "changed", "cost_center": "CC-9"}, version=person.version + 3,
            updated_at=later, deleted_at=later if who == "rd_person" else None,
            provenance={"*": {"source": "hr", "at": later.isoformat(), "v": 4}}))
        session.add(Link(connector_id="hr", remote_type="employee", remote_id="E-77",
                         entity=Entity.person, record_id=person_id, shadow={},
                         url="https://acme.bamboohr.com/employees/77"))
        session.add(AuditEntry(entity=Entity.person, record_id=person_id, action="update",
                               changes={"employment_status": {"old": "active",
                                                              "new": "terminated"}},
                               source="hr", at=later))
        session.add(Absence(person_id=person_id, start=date(2026, 12, 1), end=date(2026, 12, 9),
                            custom={}, provenance={}, version=1))
        if who == "rd_person":
            task_id = world.ids["rd_task"]
            task = session.get_one(Task, task_id)
            project = session.get_one(Project, world.ids["rd_project"])
            session.execute(update(Task).where(Task.id == task_id).values(
                risks=["assignee_inactive"], custom={"budget_status": "rejected"},
                updated_at=task.updated_at))  # (the engine would move it: see above)
            session.execute(update(Project).where(Project.id == project.id).values(
                budget_status="rejected", updated_at=project.updated_at))
            for name, change in (("risks", {"old": [], "new": ["assignee_inactive"]}),
                                 ("custom.budget_status", {"old": None, "new": "rejected"})):
                session.add(AuditEntry(entity=Entity.task, record_id=task_id, action="update",
                                       changes={name: change}, source="derive:rule", at=later))
            session.add(AuditEntry(entity=Entity.project, record_id=world.ids["rd_project"],
                                   action="update", changes={"budget_status": {
                                       "old": "unknown", "new": "rejected"}},
                                   source="derive:budget_status", at=later))
        session.commit()


@pytest.mark.parametrize(("role", "who"), [("partner", "rd_person"), ("department", "mk_person")])
def test_hidden_facts_change_no_answer(client: TestClient, engine: Engine, bob_on_rd: World,
                                       role: str, who: str) -> None:
    world = bob_on_rd
    before, manager_before = battery(client, world, role), battery(client, world, "manager")

    _hr_changes(engine, world, who)

    after, manager_after = battery(client, world, role), battery(client, world, "manager")
    changed = [key for key in before if before[key] != after[key]]
    assert changed == [], f"{role} can tell: {changed[:5]}"
    assert len(before) > 150
    assert manager_before != manager_after
