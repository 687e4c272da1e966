"""What a mapping can name is exactly what the engine can store, and every value reads back
as written (a value that changed form on the way would be pushed again and again)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.mapping.fields import canonical_fields
from hub.model.enums import Entity
from hub.sync.records import RecordStore, engine_fields

SAMPLES: dict[Entity, dict[str, Any]] = {
    Entity.task: {"title": "Ship", "description": "Line one\nLine two", "status": "blocked",
                  "raw_status": "Waiting", "priority": "high", "assignees": ["ada@example.com",
                                                                           "bob@example.com"],
                  "due_date": "2026-12-31", "start_date": "2026-11-01",
                  "completed_at": "2026-11-20T08:30:00.123456+00:00", "labels": ["a", "b"],
                  "project": "LAUNCH", "custom.story_points": 5},
    Entity.project: {"key": "LAUNCH", "name": "Launch", "status": "on_hold",
                     "owner": "ada@example.com", "budget_status": "rejected",
                     "url": "https://jira.example/browse/LAUNCH"},
    Entity.person: {"display_name": "Ada", "email": "ada@example.com", "department": "R&D",
                    "manager": "grace@example.com", "employment_status": "terminated"},
    Entity.budget_line: {"project": "LAUNCH", "cost_center": "4711", "period": "2026-Q4",
                         "currency": "EUR", "planned": "1234567.8", "approved": "0.1",
                         "actual": "-12", "approval_status": "approved"},
    Entity.absence: {"person": "ada@example.com", "kind": "vacation", "start": "2026-12-24",
                     "end": "2027-01-02", "status": "approved"},
    Entity.account: {"key": "001A", "name": "Aurora Retail", "industry": "Retail",
                     "department": "Sales EMEA", "owner": "ada@example.com",
                     "url": "https://aurora.example"},
    Entity.opportunity: {"name": "Aurora rollout", "account": "001A", "stage": "Closed Won",
                         "status": "won", "amount": "250000.5", "currency": "EUR",
                         "close_date": "2026-12-01", "probability": 100, "owner":
                         "ada@example.com", "project": "LAUNCH", "department": "Sales EMEA",
                         "custom.delivery_percent_done": 25},
}


#: comments are written by hub.sync.comments, never through a mapping
MAPPED = [e for e in Entity if e is not Entity.comment]


@pytest.mark.parametrize("entity", MAPPED)
def test_mappable_fields_are_the_engine_fields(entity: Entity) -> None:
    assert set(canonical_fields(entity)) == set(engine_fields(entity))


@pytest.mark.parametrize("entity", MAPPED)
def test_values_read_back_exactly_as_written(engine: Engine, entity: Entity) -> None:
    with Session(engine) as session:
        store = RecordStore(session)
        record = store.create(entity)
        store.write(entity, record, SAMPLES[entity])
        session.commit()
        record_id = record.id
    with Session(engine) as session:
        store = RecordStore(session)
        values = store.values(entity, store.load(entity, [record_id])[record_id])
    assert {k: values[k] for k in SAMPLES[entity]} == SAMPLES[entity]
