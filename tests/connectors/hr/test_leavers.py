"""Leavers: when HR marks an engineer terminated, their open Jira tasks show the
`assignee_inactive` risk in the API, and nothing is reassigned; the risk goes when the task is
reassigned. Absences answer "who is away before this due date?"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.auth.tokens import create_token
from hub.store.auth import Role
from hub.store.sync import Link
from tests.connectors.hr.conftest import Company

pytestmark = pytest.mark.anyio


def _client(company: Company) -> tuple[TestClient, dict[str, str]]:
    with Session(company.engine) as session:
        secret = create_token(session, Role.manager, datetime.now(UTC)).secret
        session.commit()
    return TestClient(create_app(company.rt.config, company.engine)), \
        {"Authorization": f"Bearer {secret}"}


def _task_id(company: Company, issue: dict[str, object]) -> str:
    with Session(company.engine) as session:
        return session.scalars(select(Link.record_id).where(
            Link.connector_id == "rd-jira", Link.remote_id == str(issue["id"]))).one()


async def test_a_terminated_engineers_open_jira_task_shows_assignee_inactive(
        company: Company) -> None:
    for first, last in (("Ann", "Lee"), ("Bo", "Chen")):
        email = f"{first}.{last}@example.com".lower()
        company.hr.add_employee(first, last, email, department="Engineering")
        company.jira.add_user(email, f"{first} {last}")
    open_issue = company.jira.create_issue("RD", "Ship the SDK", assignee="ann.lee@example.com")
    done_issue = company.jira.create_issue("RD", "Old spike", assignee="ann.lee@example.com",
                                           status="Done")
    await company.sync()
    client, auth = _client(company)
    task = _task_id(company, open_issue)
    assert client.get(f"/api/v1/tasks/{task}", headers=auth).json()["risks"] == []

    company.hr.terminate("ann.lee@example.com")
    await company.sync("hr")

    answer = client.get("/api/v1/tasks", params={"risk": "assignee_inactive"}, headers=auth)
    assert answer.status_code == 200, answer.text
    risky = answer.json()["items"]
    assert [t["id"] for t in risky] == [task]  # the done one is no one's worry
    shown = client.get(f"/api/v1/tasks/{task}", headers=auth).json()
    assert shown["risks"] == ["assignee_inactive"]
    assert [a["display_name"] for a in shown["assignees"]] == ["Ann Lee"]  # not reassigned
    assert company.jira.issue(open_issue["key"])["fields"]["assignee"]["emailAddress"] == \
        "ann.lee@example.com"
    assert _task_id(company, done_issue) not in {t["id"] for t in risky}

    company.jira.edit_issue(open_issue["key"], assignee="bo.chen@example.com")
    await company.sync("rd-jira")
    assert client.get(f"/api/v1/tasks/{task}", headers=auth).json()["risks"] == []
    await company.rt.aclose()


async def test_who_is_away_before_the_due_date(company: Company) -> None:
    today = date.today()
    due = today + timedelta(days=10)
    company.hr.add_employee("Ann", "Lee", "ann.lee@example.com", department="Engineering")
    company.hr.add_employee("Bo", "Chen", "bo.chen@example.com", department="Engineering")
    company.jira.add_user("ann.lee@example.com", "Ann Lee")
    issue = company.jira.create_issue("RD", "Ship the SDK", assignee="ann.lee@example.com",
                                      due_date=due)
    before = company.hr.add_time_off("ann.lee@example.com", today + timedelta(days=3),
                                     today + timedelta(days=5))
    company.hr.add_time_off("ann.lee@example.com", due + timedelta(days=5),
                            due + timedelta(days=6))  # after the due date
    company.hr.add_time_off("bo.chen@example.com", today + timedelta(days=2),
                            today + timedelta(days=2), kind="Sick")  # not on the task
    await company.sync()
    client, auth = _client(company)
    task = _task_id(company, issue)

    away = client.get("/api/v1/absences", headers=auth, params={
        "task": task, "from_date": today.isoformat(), "to_date": due.isoformat()}).json()
    assert [(a["start"], a["kind"], a["status"]) for a in away["items"]] == [
        (before.start.isoformat(), "vacation", "approved")]
    await company.rt.aclose()
