"""The field-visibility matrix: every role x every list resource x every filter, sort key,
include and field, and the cursors it is given.

What each role can't read is stated here as the README says it (partners: people by display
name only, no HR data, no budgets), not read from `hub.auth.policy`: a filter, sort, include or
field on it is a 400 that names the parameter; everything else works. Every parameter of every
list is tried, so a filter added later is refused until the policy says what it reads.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.model.enums import Entity
from hub.model.schemas import SCHEMAS
from hub.query.params import LIST_PARAMS, PAGING, SORT_KEYS
from hub.store.auth import Role
from hub.store.canonical import Project, Task
from hub.sync.rules.assignee_inactive import RISK
from hub.sync.rules.task_budget_status import FIELD as TASK_BUDGET
from tests.api.world import World

ROLES = ("admin", "manager", "viewer", "department", "partner")
RESOURCES = {Entity.project: "projects", Entity.task: "tasks", Entity.person: "people",
             Entity.absence: "absences", Entity.budget_line: "budget-lines"}
_PERSON_HR = {"primary_email", "emails", "department", "manager_id", "employment_status",
              "version", "created_at", "updated_at", "deleted_at", "custom"}
#: (role, entity) -> what it can't read: fields (and extras), filters, sort keys
HIDDEN: dict[tuple[str, Entity], dict[str, set[str]]] = {
    ("partner", Entity.person): {
        "fields": {*_PERSON_HR, "sources", "provenance"},
        "filters": {"department", "employment_status", "email", "updated_since",
                    "include_deleted"},
        "sorts": {"department", "employment_status", "created_at", "updated_at"}},
    ("partner", Entity.project): {  # the budget gate sums budget lines, which are internal
        "fields": {"budget_status"}, "filters": {"budget_status"}, "sorts": {"budget_status"}},
}
#: entities whose lists a role can't read at all (403)
FORBIDDEN = {("partner", Entity.absence), ("partner", Entity.budget_line)}


def example(entity: Entity, name: str, world: World) -> str:
    """A value for filter `name` of `entity` that matches something in the world."""
    values = {"updated_since": "2000-01-01T00:00:00Z", "include_deleted": "true",
              "due_before": "2030-01-01", "due_after": "2000-01-01", "overdue": "false",
              "from_date": "2000-01-01", "to_date": "2030-01-01", "q": "r",
              "owner": world.ids["rd_person"], "assignee": world.ids["rd_person"],
              "person": world.ids["rd_person"], "email": "alice@example.com",
              "task": world.ids["rd_task"], "project": "RD", "department": "R&D",
              "label": "x", "risk": "overdue", "period": "2026-Q4", "cost_center": "CC",
              "currency": "EUR"}
    if name in values:
        return values[name]
    enum = {"status": {Entity.project: "active", Entity.task: "todo",
                       Entity.absence: "approved"},
            "priority": {Entity.task: "high"}, "budget_status": {Entity.project: "approved"},
            "employment_status": {Entity.person: "active"}, "kind": {Entity.absence: "sick"},
            "approval_status": {Entity.budget_line: "pending"}}
    return enum[name][entity]


def _get(client: TestClient, world: World, role: str, entity: Entity,
         params: dict[str, str]) -> Any:
    return client.get(f"/api/v1/{RESOURCES[entity]}", params=params, headers=world.auth(role))


def _refused(answer: Any, param: str) -> bool:
    return bool(answer.status_code == 400
                and answer.json()["errors"][0]["location"] == f"query.{param}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entity", list(RESOURCES))
def test_each_role_filters_sorts_and_includes_only_what_it_reads(
        client: TestClient, world: World, role: str, entity: Entity) -> None:
    if (role, entity) in FORBIDDEN:
        assert _get(client, world, role, entity, {}).status_code == 403
        return
    hidden = HIDDEN.get((role, entity), {})
    wrong = []
    asked: list[tuple[str, dict[str, str], bool]] = []
    for name in LIST_PARAMS[entity].model_fields:
        if name not in PAGING:
            asked.append((name, {name: example(entity, name, world)},
                          name in hidden.get("filters", set())))
    for key in ("id", *SORT_KEYS[entity]):
        for sign in ("", "-"):
            asked.append(("sort", {"sort": sign + key}, key in hidden.get("sorts", set())))
    for extra in ("provenance", "sources", "total"):
        asked.append(("include", {"include": extra}, extra in hidden.get("fields", set())))
    for name in [*SCHEMAS[entity].model_fields, "sources", "provenance"]:
        asked.append(("fields", {"fields": name}, name in hidden.get("fields", set())))
    for param, params, refused in asked:
        answer = _get(client, world, role, entity, params)
        if refused and not _refused(answer, param):
            wrong.append(f"{params}: {answer.status_code}, expected a 400 naming {param}")
        elif not refused and answer.status_code != 200:
            wrong.append(f"{params}: {answer.status_code} {answer.text[:200]}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_records_show_each_role_only_what_it_reads(client: TestClient, world: World,
                                                   role: str) -> None:
    for entity in RESOURCES:
        if (role, entity) in FORBIDDEN:
            continue
        hidden = HIDDEN.get((role, entity), {}).get("fields", set())
        answer = _get(client, world, role, entity, {})
        assert answer.status_code == 200, answer.text
        for item in answer.json()["items"]:
            assert not hidden & set(item), (entity, item)
        for item in _get(client, world, role, entity, {"include": "provenance"}
                         ).json().get("items", []):
            assert not {policy.field_of(entity, n) for n in item.get("provenance", {})} \
                & hidden


def _walk(client: TestClient, world: World, role: str, entity: Entity,
          sort: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every page of one (limit 1), with the decoded cursor that led past each item."""
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    cursor = None
    for _ in range(20):
        params = {"sort": sort, "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = _get(client, world, role, entity, params).json()
        cursor = page["next_cursor"]
        if cursor is None:
            return out
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        out.append((page["items"][0], json.loads(raw)))
    raise AssertionError("more pages than records")


_RANKS = {1: "low", 2: "medium", 3: "high", 4: "urgent"}


@pytest.mark.parametrize("role", ROLES)
def test_cursors_hold_only_values_the_caller_was_shown(client: TestClient, world: World,
                                                       role: str) -> None:
    for entity in RESOURCES:
        if (role, entity) in FORBIDDEN:
            continue
        hidden = HIDDEN.get((role, entity), {}).get("sorts", set())
        for key in ("id", *SORT_KEYS[entity]):
            if key in hidden:
                continue
            for item, cursor in _walk(client, world, role, entity, f"-{key}"):
                keys = cursor["s"].replace("-", "").split(",")
                for name, value in zip(keys, cursor["v"], strict=True):
                    shown = _RANKS.get(value) if name == "priority" else value
                    assert shown == item[name], (entity, key, name, value, item)


def test_a_partner_sees_no_hr_derived_risk_nor_budget_gate(
        client: TestClient, world: World, engine: Any) -> None:
    with Session(engine) as session:
        session.execute(update(Task).where(Task.id == world.ids["rd_task"]).values(
            risks=[RISK, "overdue"], custom={"budget_status": "rejected", "story_points": 3}))
        session.execute(update(Project).where(Project.key == "RD").values(
            budget_status="rejected"))
        session.commit()
    as_partner = client.get(f"/api/v1/tasks/{world.ids['rd_task']}",
                            headers=world.auth("partner")).json()
    as_manager = client.get(f"/api/v1/tasks/{world.ids['rd_task']}",
                            headers=world.auth("manager")).json()
    asked = _get(client, world, "partner", Entity.task, {"risk": RISK})

    assert as_partner["risks"] == ["overdue"]
    assert as_partner["custom"] == {"story_points": 3}
    assert as_manager["risks"] == [RISK, "overdue"]
    assert as_manager["custom"]["budget_status"] == "rejected"
    assert _refused(asked, "risk")
    assert "budget_status" not in client.get("/api/v1/projects/RD",
                                             headers=world.auth("partner")).json()
    assert TASK_BUDGET == "custom.budget_status"  # the key the policy hides


@pytest.mark.parametrize(("path", "param"), [
    ("/api/v1/tasks", "assignee"), ("/api/v1/projects", "owner")])
def test_a_partner_names_people_by_id_not_by_email(client: TestClient, world: World,
                                                   path: str, param: str) -> None:
    by_email = client.get(path, params={param: "alice@example.com"},
                          headers=world.auth("partner"))
    by_id = client.get(path, params={param: world.ids["rd_person"]},
                       headers=world.auth("partner"))

    assert _refused(by_email, param)
    assert "by id only" in by_email.json()["detail"]
    assert by_id.status_code == 200
    assert by_id.json()["items"]


def test_every_filter_says_what_it_reads() -> None:
    """A new list filter must be declared in the policy (what it reads) or nobody can use it."""
    for entity, model in LIST_PARAMS.items():
        filters = set(model.model_fields) - PAGING
        declared = set(policy.FILTERS[entity]) | set(policy.COMMON_FILTERS)
        assert filters <= declared, (entity, filters - declared)
    assert RISK in policy.HR_RISKS


def test_the_policy_answers_any_reader_the_same_questions() -> None:
    """What a dashboard, a notification or a digest asks before showing anything."""
    partner = Principal("t", "acme", Role.partner, partner="Acme", projects=("RD",))
    manager = Principal("m", "lead", Role.manager)

    assert policy.readable_fields(partner, Entity.person) == ("id", "display_name")
    # Comments on shared tasks, none internal; the customer and deal behind a shared project.
    assert policy.readable_entities(partner) == (Entity.project, Entity.task, Entity.person,
                                                 Entity.comment, Entity.account,
                                                 Entity.opportunity)
    assert not policy.may_read(partner, Entity.person, "email")  # the engine's name too
    assert not policy.may_read(partner, Entity.task, "custom.budget_status")
    assert policy.may_read(partner, Entity.task, "custom.story_points")
    assert policy.visible_value(partner, Entity.task, "risks", [RISK, "overdue"]) == ["overdue"]
    assert policy.visible_value(manager, Entity.task, "risks", [RISK]) == [RISK]
    assert not policy.may_filter(partner, Entity.task, "assignee", "alice@example.com")
    assert policy.may_filter(partner, Entity.task, "assignee", "06H3G000000000000000000000")
    assert not policy.may_filter(partner, Entity.person, "employment_status", "terminated")
    assert not policy.may_sort(partner, Entity.person, "department")
    assert not policy.may_follow(partner, Entity.person)  # HR changes are no feed for it
    assert policy.may_follow(partner, Entity.task)
    assert not policy.may_read_conflicts(partner)
    assert policy.hidden_fields(manager, Entity.person) == ()
