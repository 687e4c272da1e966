"""A hub on fake tools, driven step by step: polls, webhook deliveries and pushes are explicit,
and time is a fake clock, so tests can interleave them in any order."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.model.enums import Entity
from hub.sdk.config import PollConfig
from hub.sdk.registry import Registry
from hub.store.sync import Conflict, IntentState, Link, PushIntent, QuarantineItem
from hub.sync.batch import Tally
from hub.sync.deliveries import process_inbox_item
from hub.sync.gates import LocalGate
from hub.sync.inbox import receive
from hub.sync.jobs import due_intents, due_of, poll_connector
from hub.sync.push import PushOutcome, push_intent
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime
from hub.testing.fake import FakeConfig, FakeConnector, FakeTool

_names = itertools.count()


@dataclass
class FakeClock:
    """Time that moves only when told to (every read moves it by a microsecond, like a real
    clock would between two events)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def fake_registry() -> Registry:
    """Connector kinds with the test kit's fake tool as kind `fake`."""
    registry = Registry()
    registry.add(FakeConnector)
    return registry


def fake_tools(connector_ids: list[str], **options: Any) -> dict[str, FakeTool]:
    """One new `FakeTool` per connector id, under names no other test uses."""
    suffix = next(_names)
    return {cid: FakeTool(name=f"{cid}-{suffix}", **options) for cid in connector_ids}


def fake_config(tools: Mapping[str, FakeTool], sync: dict[str, Any] | None = None,
                poll: PollConfig | None = None) -> HubConfig:
    """A config with one fake connector per tool (connector id -> tool) and `sync` rules."""
    connectors = {
        cid: FakeConfig(tool=tool.name, token=SecretStr(tool.token),
                        poll=poll or PollConfig(overlap=timedelta(0)))
        for cid, tool in tools.items()
    }
    return HubConfig(connectors=connectors, sync=SyncConfig.model_validate(sync or {}))


class Hub:
    """The engine over named fake tools."""

    def __init__(self, engine: Engine, tools: list[str], sync: dict[str, Any] | None = None,
                 clock: FakeClock | None = None,
                 overrides: dict[str, dict[str, Any]] | None = None) -> None:
        self.clock = clock or FakeClock()
        self.tools = fake_tools(tools, clock=self.clock)
        config = fake_config(self.tools, sync)
        for cid, override in (overrides or {}).items():
            config.connectors[cid] = config.connectors[cid].model_copy(
                update={"mapping_overrides": override})
        self.rt = Runtime(config, fake_registry(), engine, clock=self.clock)

    # -- steps -----------------------------------------------------------------------------
    async def poll(self, connector_id: str, full: bool = False) -> Tally:
        return await poll_connector(self.rt, connector_id, full=full)

    async def deliver(self, connector_id: str, delivery: tuple[dict[str, str], bytes]) -> Tally:
        """A webhook as the tool sent it: stored, then processed."""
        received = receive(self.rt, connector_id, *delivery)
        if received.item_id is None:
            return Tally()
        return await process_inbox_item(self.rt, received.item_id)

    async def deliver_all(self, connector_id: str) -> Tally:
        """Deliver (and forget) everything in the tool's webhook outbox, in order."""
        total = Tally()
        tool = self.tools[connector_id]
        outbox, tool.outbox = tool.outbox, []
        for delivery in outbox:
            total.add(await self.deliver(connector_id, delivery))
        return total

    async def push_once(self) -> list[PushOutcome]:
        return [await push_intent(self.rt, i) for i in due_intents(self.rt)]

    async def push_concurrently(self, seed: int) -> list[PushOutcome]:
        """Every due intent at once, as the lanes of a runner push them: pushes to different
        records (and tools) interleave at each call to a tool, as `seed` shuffles them."""
        gate = LocalGate()
        for number, tool in enumerate(self.tools.values()):
            tool.shuffle = random.Random(seed + number)

        async def push(intent_id: str, connector_id: str, record_id: str) -> PushOutcome:
            async with gate.pushing(connector_id, record_id) as mine:
                assert mine  # one intent per record and tool: never two pushes of one record
                return await push_intent(self.rt, intent_id)

        try:
            return list(await asyncio.gather(*(push(i, c, r) for c, i, r in due_of(self.rt))))
        finally:
            for tool in self.tools.values():
                tool.shuffle = None

    async def settle(self, rounds: int = 20) -> None:
        """Deliver webhooks and push until nothing is left to do."""
        for _ in range(rounds):
            busy = False
            for cid in self.tools:
                if self.tools[cid].outbox:
                    busy = True
                    await self.deliver_all(cid)
            outcomes = await self.push_once()
            if not busy and not outcomes:
                return
        raise AssertionError("the hub did not settle: it keeps pushing (a loop?)")

    # -- looking -----------------------------------------------------------------------------
    def record_id(self, connector_id: str, remote_id: str) -> str:
        with self.rt.sessions() as session:
            return session.scalars(select(Link.record_id).where(
                Link.connector_id == connector_id, Link.remote_id == remote_id)).one()

    def values(self, record_id: str, entity: Entity = Entity.task) -> dict[str, Any]:
        with self.rt.sessions() as session:
            store = RecordStore(session)
            return store.values(entity, store.load(entity, [record_id])[record_id])

    def remote_id(self, connector_id: str, record_id: str) -> str | None:
        with self.rt.sessions() as session:
            return session.scalars(select(Link.remote_id).where(
                Link.connector_id == connector_id, Link.record_id == record_id)).one_or_none()

    def conflicts(self) -> list[Conflict]:
        with self.rt.sessions() as session:
            return list(session.scalars(select(Conflict).order_by(Conflict.created_at)))

    def quarantined(self) -> list[QuarantineItem]:
        with self.rt.sessions() as session:
            return list(session.scalars(select(QuarantineItem)))

    def intents(self, state: IntentState | None = None) -> list[PushIntent]:
        with self.rt.sessions() as session:
            query = select(PushIntent)
            if state is not None:
                query = query.where(PushIntent.state == state)
            return list(session.scalars(query))

    def count_links(self) -> int:
        with self.rt.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(Link)) or 0)
