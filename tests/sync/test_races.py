"""Two jobs meeting the same new person at once: the one that commits second runs again and
links to the person the first created, instead of failing the whole page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hub.ids import new_id
from hub.store.canonical import Person, PersonEmail
from hub.sync.records import RecordStore
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio


async def test_a_person_created_meanwhile_by_another_job_is_reused(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub.tools["a"].user_create({"title": "Launch plan", "assignees": ["Ada@Example.com"]})
    original = RecordStore.preload_people
    raced: list[str] = []

    def preload_then_lose_the_race(self: RecordStore, emails: Any) -> None:
        original(self, emails)  # this job sees nobody with the address...
        if not raced:  # ...and another job commits her before this one does
            raced.append("ada@example.com")
            with hub.rt.sessions.begin() as other:
                person = Person(id=new_id(), display_name="Ada", primary_email=raced[0],
                                custom={}, provenance={}, version=1)
                person.emails = [PersonEmail(email=raced[0], is_primary=True)]
                other.add(person)

    monkeypatch.setattr(RecordStore, "preload_people", preload_then_lose_the_race)
    tally = await hub.poll("a")

    assert raced
    assert tally.created == 1
    with hub.rt.sessions() as session:
        people = session.scalar(select(func.count()).select_from(PersonEmail)
                                .where(PersonEmail.email == "ada@example.com"))
    assert people == 1
    task = hub.values(hub.record_id("a", hub.tools["a"].objects.popitem()[0]))
    assert task["assignees"] == ["ada@example.com"]
