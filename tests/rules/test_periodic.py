"""The periodic side: time makes a task overdue and a rule hears of it; a failing connector is
reported once per streak; the embedded runner delivers a rule's message as soon as the change
commits; both runners see the same periodic work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select

from hub.config.rules import DingTalkChannel, RuleConfig
from hub.model.enums import Entity
from hub.rules.refresh import refresh_risks, watch_connectors
from hub.store.canonical import Task
from hub.store.notify import Notification
from hub.store.sync import SyncCursor
from hub.sync.dispatch import periodic_jobs
from hub.sync.edits import apply_edit
from hub.sync.runner import EmbeddedRunner
from hub.testing.robots import RobotSandbox
from hub.testing.server import RunningServer, serve
from tests.sync.harness import Hub
from tests.wait import eventually

pytestmark = pytest.mark.anyio


@pytest.fixture
def robots() -> Iterator[tuple[RobotSandbox, RunningServer]]:
    sandbox = RobotSandbox(dingtalk={"tok": "SECret"})
    with serve(sandbox.app) as server:
        yield sandbox, server


def _setup(hub: Hub, server: RunningServer, *rules: dict[str, object]) -> None:
    channel = DingTalkChannel(kind="dingtalk", secret=SecretStr("SECret"),
                              webhook=SecretStr(f"{server.url}/robot/send?access_token=tok"))
    hub.rt.config = hub.rt.config.model_copy(update={
        "channels": {"robot": channel}, "rules": [RuleConfig.model_validate(r) for r in rules]})


def _messages(hub: Hub) -> list[Notification]:
    with hub.rt.sessions() as session:
        return list(session.scalars(select(Notification).order_by(Notification.created_at)))


async def test_time_makes_a_task_overdue_and_the_rule_hears_of_it_once(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    _, server = robots
    hub = Hub(engine, ["a"])
    _setup(hub, server, {"name": "late", "when": {"event": "risk_raised", "entity": "task",
                                                   "risk": "overdue"},
                         "then": [{"notify": {"channels": ["robot"]}}]})
    today = hub.clock.now.date()
    obj = hub.tools["a"].user_create({"title": "Ship it", "status": "Doing",
                                      "due_date": (today + timedelta(days=1)).isoformat()})
    await hub.poll("a")
    task_id = hub.record_id("a", obj.remote_id)
    assert refresh_risks(hub.rt, hub.rt.clock()) == 0
    hub.clock.advance(2 * 86400)
    assert refresh_risks(hub.rt, hub.rt.clock()) == 1
    refresh_risks(hub.rt, hub.rt.clock())  # still overdue: nothing new
    with hub.rt.sessions() as session:
        assert session.get_one(Task, task_id).risks == ["overdue"]
    [message] = _messages(hub)
    assert "Ship it is at risk: overdue" in message.body


async def test_a_failing_connector_is_reported_once_per_streak(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    _, server = robots
    hub = Hub(engine, ["a"])
    _setup(hub, server, {"name": "down", "when": {"event": "connector_unhealthy", "minutes": 15},
                         "then": [{"notify": {"channels": ["robot"]}}]})
    start = hub.rt.clock()
    with hub.rt.sessions.begin() as session:
        cursor = SyncCursor.of(session, "a", "default")
        cursor.last_success_at = start
        cursor.last_error, cursor.last_error_at = "a answered 503", start + timedelta(minutes=1)
    assert watch_connectors(hub.rt, start + timedelta(minutes=10)) == 0  # not for 15 min yet
    watch_connectors(hub.rt, start + timedelta(minutes=20))
    watch_connectors(hub.rt, start + timedelta(minutes=30))
    [message] = _messages(hub)
    assert "a has failed for 20 minutes: a answered 503" in message.body


async def test_the_embedded_runner_delivers_a_message_when_the_change_commits(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    hub = Hub(engine, ["a"])
    _setup(hub, server, {"name": "started", "when": {"entity": "task", "field": "status",
                                                      "to": "in_progress"},
                         "then": [{"notify": {"channels": ["robot"],
                                              "template": "{{ name }} started"}}]})
    obj = hub.tools["a"].user_create({"title": "Gearbox", "status": "To do"})
    await hub.poll("a")
    task_id = hub.record_id("a", obj.remote_id)
    runner = EmbeddedRunner(hub.rt, workers=2)
    await runner.start(schedule=False)
    try:
        with hub.rt.sessions.begin() as session:
            apply_edit(session, hub.rt, Entity.task, task_id, {"status": "in_progress"},
                       expected_version=1, source="api:test", now=hub.rt.clock())
        await eventually(lambda: bool(sandbox.of("dingtalk")), "the robot got the message")
    finally:
        await runner.stop()
        await hub.rt.aclose()
    assert "Gearbox started" in sandbox.of("dingtalk")[0].text


def test_both_runners_get_the_outbox_risks_watch_and_digest_work(engine: Engine) -> None:
    hub = Hub(engine, ["a"])
    hub.rt.config = hub.rt.config.model_copy(update={
        "channels": {"robot": DingTalkChannel(kind="dingtalk",
                                              webhook=SecretStr("http://x/robot/send"))},
        "rules": [RuleConfig.model_validate({
            "name": "down", "when": {"event": "connector_unhealthy"},
            "then": [{"notify": {"channels": ["robot"]}}]})],
        "digests": hub.rt.config.digests.model_copy(update={"targets": [
            {"scope": "all", "channels": ["robot"]}]})})
    names = {work.name for work in periodic_jobs(hub.rt, timedelta(seconds=5))}
    assert {"notify", "risks", "watch", "digest"} <= names
