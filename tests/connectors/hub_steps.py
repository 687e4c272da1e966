"""What the tests of tools synced through a hub do again and again: one round of polls and
pushes, and a task's title as the hub holds it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.store.sync import Link
from hub.sync.batch import Tally
from hub.sync.jobs import poll_connector, push_due
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime


async def cycle(rt: Runtime, *connector_ids: str) -> list[Tally]:
    """Poll each connector in turn, then push what that changed; the polls' tallies."""
    tallies = [await poll_connector(rt, connector_id) for connector_id in connector_ids]
    await push_due(rt)
    return tallies


def canonical_title(engine: Engine, remote_id: str) -> Any:
    """The title of the task linked to `remote_id`, or None while there is no such link."""
    with Session(engine) as session:
        record_id = session.scalar(select(Link.record_id).where(Link.remote_id == remote_id))
        if record_id is None:
            return None
        store = RecordStore(session)
        return store.values(Entity.task, store.load(Entity.task, [record_id])[record_id])["title"]



