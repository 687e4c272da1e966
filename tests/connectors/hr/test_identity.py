"""One person across the tools: a Jira assignee, an Asana assignee (the e-mail in other
letters) and a BambooHR employee are one Person with three links; HR's changes reach that
Person; a matching display name alone links nothing, and such people are listed as
unresolved (API and CLI) for a person to resolve, e.g. with an alias."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.auth.tokens import create_token
from hub.store.auth import Role
from hub.store.canonical import Person, PersonEmail, Task
from hub.store.sync import Link
from tests.connectors.hr.conftest import Company
from tests.plugins import run_hub

pytestmark = pytest.mark.anyio


def _person(session: Session, email: str) -> Person:
    return session.scalars(select(Person).join(PersonEmail).where(
        PersonEmail.email == email)).one()


def _links(session: Session, person_id: str) -> set[tuple[str, str]]:
    return {(link.connector_id, link.remote_type) for link in session.scalars(
        select(Link).where(Link.record_id == person_id, Link.deleted_at.is_(None)))}


async def test_a_jira_asana_and_hr_person_is_one_person_with_three_links(
        company: Company) -> None:
    company.hr.add_employee("Ann", "Lee", "ann.lee@example.com", department="Engineering")
    company.jira.add_user("ann.lee@example.com", "Ann Lee")
    company.asana.add_user("Ann.Lee@Example.COM", "ann lee")
    issue = company.jira.create_issue("RD", "Launch webinar", assignee="ann.lee@example.com")
    task = company.asana.create_task(company.project, "Webinar ads",
                                     assignee="Ann.Lee@Example.COM")

    await company.sync("rd-jira", "mkt-asana", "hr")  # HR last: the tools met her first

    with Session(company.engine) as session:
        ann = _person(session, "ann.lee@example.com")
        assert session.scalar(select(Person.id).where(Person.display_name.ilike("ann%"))
                              .where(Person.id != ann.id)) is None  # no second Ann
        assert _links(session, ann.id) == {("hr", "employee"), ("rd-jira", "user"),
                                           ("mkt-asana", "user")}
        assignees = {link.remote_id: [p.id for p in session.get_one(Task, link.record_id)
                                      .assignees]
                     for link in session.scalars(select(Link).where(
                         Link.remote_type.in_(["issue", "task"])))}
        assert assignees == {str(issue["id"]): [ann.id], str(task["gid"]): [ann.id]}
        # HR owns the name: Asana's "ann lee" doesn't stand.
        assert (ann.display_name, ann.department) == ("Ann Lee", "Engineering")
        assert "unverified" not in (ann.custom or {})

    company.hr.update_employee("ann.lee@example.com", department="Marketing")
    await company.sync()
    with Session(company.engine) as session:
        assert _person(session, "ann.lee@example.com").department == "Marketing"
    await company.rt.aclose()


async def test_a_display_name_alone_links_nothing_and_is_listed_unresolved(
        company: Company, tmp_path: Path, database_url: str) -> None:
    company.hr.add_employee("Sam", "Walsh", "sam.walsh@example.com", department="Sales")
    company.jira.add_user("sam@contractor.example", "Sam Walsh")  # same name, other e-mail
    company.jira.create_issue("RD", "Partner portal", assignee="sam@contractor.example")
    await company.sync()

    with Session(company.engine) as session:
        sams = session.scalars(select(Person).where(Person.display_name == "Sam Walsh")).all()
        assert len(sams) == 2  # two people, as far as anyone can tell
        contractor = _person(session, "sam@contractor.example")
        assert _links(session, contractor.id) == {("rd-jira", "user")}

    app = create_app(company.rt.config, company.engine)
    with Session(company.engine) as session:
        manager = create_token(session, Role.manager, datetime.now(UTC)).secret
        viewer = create_token(session, Role.viewer, datetime.now(UTC)).secret
        session.commit()
    with TestClient(app) as client:
        listed = client.get("/api/v1/people/unresolved",
                            headers={"Authorization": f"Bearer {manager}"})
        refused = client.get("/api/v1/people/unresolved",
                             headers={"Authorization": f"Bearer {viewer}"})
    assert refused.status_code == 403
    body = listed.json()
    assert body["hr_connectors"] == ["hr"]
    assert [(p["emails"], p["open_tasks"], [k["connector"] for k in p["known_in"]])
            for p in body["items"]] == [(["sam@contractor.example"], 1, ["rd-jira"])]
    assert "sync.aliases" in body["items"][0]["reason"]

    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: '{database_url}'}}\nconnectors:\n"
                      f"  hr: {{kind: bamboohr, base_url: '{company.urls['hr']}', "
                      "api_key: bamboo-key}\n")
    shown = run_hub("people", "unresolved", "-c", str(config))
    assert shown.returncode == 0, shown.stderr
    assert "sam@contractor.example" in shown.stdout
    assert "unresolved people: 1" in shown.stdout
    await company.rt.aclose()


async def test_an_alias_makes_two_addresses_one_person(company: Company) -> None:
    await company.rt.aclose()
    company.rt = company.runtime({"aliases": [
        {"email": "sam.walsh@example.com", "also": ["Sam@Contractor.example"]}]})
    company.hr.add_employee("Sam", "Walsh", "sam.walsh@example.com", department="Sales")
    company.jira.add_user("sam@contractor.example", "Sam W.")
    issue = company.jira.create_issue("RD", "Partner portal", assignee="sam@contractor.example")
    await company.sync()

    with Session(company.engine) as session:
        sam = _person(session, "sam.walsh@example.com")
        assert _links(session, sam.id) == {("hr", "employee"), ("rd-jira", "user")}
        link = session.scalars(select(Link).where(Link.remote_id == str(issue["id"]))).one()
        assert [p.id for p in session.get_one(Task, link.record_id).assignees] == [sam.id]
        assert session.scalar(select(PersonEmail).where(
            PersonEmail.email == "sam@contractor.example")) is None
    await company.rt.aclose()


def test_people_are_never_matched_by_display_name_alone() -> None:
    from pydantic import ValidationError

    from hub.config.sync import SyncConfig

    with pytest.raises(ValidationError, match="never matched by display_name"):
        SyncConfig.model_validate({"entities": {"person": {"match": ["email", "display_name"]}}})
