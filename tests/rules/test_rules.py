"""Rules from config (hub.rules): what people notice when finance rejects a budget, a task is
finished, or two rules feed each other; messages reach robots over real HTTP, signed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select

from hub.config.rules import DingTalkChannel, RuleConfig
from hub.model.enums import Entity
from hub.notify.outbox import deliver_due
from hub.store.canonical import BudgetLine, Project, Task
from hub.store.notify import Notification, NotificationState
from hub.sync import derive
from hub.testing.robots import RobotSandbox
from hub.testing.server import RunningServer, serve
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio

TOKEN, SECRET = "rd-robot-token", "SECrd-robot-secret"


@pytest.fixture
def robots() -> Iterator[tuple[RobotSandbox, RunningServer]]:
    sandbox = RobotSandbox(dingtalk={TOKEN: SECRET, "unsigned": None})
    with serve(sandbox.app) as server:
        yield sandbox, server


def _configure(hub: Hub, server: RunningServer, rules: list[dict[str, Any]],
               audience: dict[str, Any] | None = None, language: str = "en") -> None:
    channel = DingTalkChannel.model_validate({
        "kind": "dingtalk", "webhook": f"{server.url}/robot/send?access_token={TOKEN}",
        "secret": SECRET, "language": language, "audience": audience or {}})
    hub.rt.config = hub.rt.config.model_copy(update={
        "channels": {"rd-dingtalk": channel},
        "rules": [RuleConfig.model_validate(r) for r in rules]})


BLOCK_ON_REJECT = {
    "name": "budget-rejected",
    "when": {"event": "changed", "entity": "project", "field": "budget_status", "to": "rejected"},
    "then": [
        {"set": {"target": "tasks", "where": {"status": ["todo", "in_progress"]},
                 "fields": {"status": "blocked"}, "reason": "budget rejected"}},
        {"notify": {"channels": ["rd-dingtalk"],
                    "template": {"en": "Budget of {{ record.name }} ({{ project }}) rejected: "
                                       "its open tasks are blocked",
                                 "zh": "{{ record.name }} 的预算被拒绝"}}},
    ],
}


async def _tasks_in_project(hub: Hub, key: str, statuses: list[str]) -> list[str]:
    ids = []
    for number, status in enumerate(statuses):
        obj = hub.tools["a"].user_create({"title": f"Task {number}", "status": status})
        await hub.poll("a")
        ids.append(hub.record_id("a", obj.remote_id))
    with hub.rt.sessions.begin() as session:
        project = Project(key=key, name="Atlas", custom={}, provenance={}, version=1)
        session.add(project)
        session.flush()
        for task in session.scalars(select(Task).where(Task.id.in_(ids))):
            task.project_id = project.id
    await hub.settle()
    return ids


def _reject_budget(hub: Hub, key: str) -> None:
    """Finance's export says the project's budget line is rejected (as the inbound pipeline
    hands a new line to the derivations)."""
    with hub.rt.sessions.begin() as session:
        project = session.scalars(select(Project).where(Project.key == key)).one()
        line = BudgetLine(project_id=project.id, cost_center="CC1", period="2026-Q4",
                          currency="EUR", approval_status="rejected", custom={}, provenance={},
                          version=1)
        session.add(line)
        session.flush()
        changes = derive.ChangeSet()
        changes.created(Entity.budget_line, line.id)
        derive.run(hub.rt, session, changes, hub.rt.clock())


async def test_a_rejected_budget_blocks_open_tasks_and_the_robot_hears_of_it_signed(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    hub = Hub(engine, ["a"])
    _configure(hub, server, [BLOCK_ON_REJECT])
    ids = await _tasks_in_project(hub, "ATL", ["To do", "Doing", "Done"])
    _reject_budget(hub, "ATL")
    assert [hub.values(i)["status"] for i in ids] == ["blocked", "blocked", "done"]
    assert hub.values(ids[0])["custom.rule_reason"] == "budget rejected"
    await hub.settle()  # the tool receives the blocked status
    statuses = sorted(o.fields["status"] for o in hub.tools["a"].objects.values())
    assert statuses == ["Blocked", "Blocked", "Done"]
    done = await deliver_due(hub.rt)
    assert done.sent == 1
    [message] = sandbox.of("dingtalk", TOKEN)
    assert "Budget of Atlas (ATL) rejected" in message.text
    assert sandbox.refused == []  # the signature was right


async def test_a_wrong_secret_is_refused_by_the_robot_and_the_failure_stays_visible(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    hub = Hub(engine, ["a"])
    _configure(hub, server, [BLOCK_ON_REJECT])
    channel = hub.rt.config.channels["rd-dingtalk"].model_copy(
        update={"secret": SecretStr("SECwrong")})
    hub.rt.config = hub.rt.config.model_copy(update={"channels": {"rd-dingtalk": channel}})
    await _tasks_in_project(hub, "ATL", ["To do"])
    _reject_budget(hub, "ATL")
    await deliver_due(hub.rt)
    assert sandbox.received == []
    assert sandbox.refused == [("dingtalk", "sign")]
    with hub.rt.sessions() as session:
        row = session.scalars(select(Notification)).one()
    assert row.state == NotificationState.failed
    assert "310000" in (row.last_error or "")


async def test_a_rolled_back_change_sends_nothing(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    hub = Hub(engine, ["a"])
    _configure(hub, server, [BLOCK_ON_REJECT])
    await _tasks_in_project(hub, "ATL", ["To do"])
    with hub.rt.sessions() as session:  # no commit: the change and its message roll back
        project = session.scalars(select(Project).where(Project.key == "ATL")).one()
        line = BudgetLine(project_id=project.id, cost_center="CC1", period="2026-Q4",
                          currency="EUR", approval_status="rejected", custom={}, provenance={},
                          version=1)
        session.add(line)
        session.flush()
        changes = derive.ChangeSet()
        changes.created(Entity.budget_line, line.id)
        derive.run(hub.rt, session, changes, hub.rt.clock())
        assert session.scalars(select(Notification)).one()
        session.rollback()
    assert (await deliver_due(hub.rt)).sent == 0
    assert sandbox.received == []


async def test_a_finished_task_makes_a_linked_follow_up_in_the_other_tool_once(
        engine: Engine) -> None:
    hub = Hub(engine, ["a", "b"])
    hub.rt.config = hub.rt.config.model_copy(update={"rules": [RuleConfig.model_validate({
        "name": "design-done",
        "when": {"event": "changed", "entity": "task", "field": "status", "to": "done"},
        "where": {"tool": "a"},
        "then": [{"create_task": {"connector": "b",
                                  "title": "Implement: {{ record.title }}"}}]})]})
    obj = hub.tools["a"].user_create({"title": "Login page design", "status": "Doing"})
    await hub.poll("a")
    hub.tools["a"].user_edit(obj.remote_id, status="Done")
    await hub.poll("a")
    await hub.settle()
    made = [o for o in hub.tools["b"].objects.values()]
    assert [o.fields["title"] for o in made] == ["Implement: Login page design"]
    source = hub.record_id("a", obj.remote_id)
    follow_up = hub.record_id("b", made[0].remote_id)
    assert hub.values(follow_up)["custom.follows"] == source
    # Done again (reopened and finished): still one follow-up.
    hub.tools["a"].user_edit(obj.remote_id, status="Doing")
    await hub.poll("a")
    hub.tools["a"].user_edit(obj.remote_id, status="Done")
    await hub.poll("a")
    await hub.settle()
    assert len(hub.tools["b"].objects) == 1


async def test_two_rules_feeding_each_other_stop_with_a_warning_and_push_once(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub(engine, ["a"])
    hub.rt.config = hub.rt.config.model_copy(update={"rules": [
        RuleConfig.model_validate({
            "name": "ping", "when": {"entity": "task", "field": "priority", "to": "high"},
            "then": [{"set": {"fields": {"priority": "low"}}}]}),
        RuleConfig.model_validate({
            "name": "pong", "when": {"entity": "task", "field": "priority", "to": "low"},
            "then": [{"set": {"fields": {"priority": "high"}}}]}),
    ]})
    obj = hub.tools["a"].user_create({"title": "Ping pong", "status": "Doing"})
    await hub.poll("a")
    pushes_before = hub.tools["a"].calls.get("push", 0)
    hub.tools["a"].user_edit(obj.remote_id, priority="high")
    with caplog.at_level(logging.WARNING, logger="hub.rules.engine"):
        await hub.poll("a")
    assert any("do rules trigger each other" in r.message for r in caplog.records)
    await hub.settle()
    assert hub.tools["a"].calls.get("push", 0) - pushes_before <= 1  # never twice
    record_id = hub.record_id("a", obj.remote_id)
    assert hub.tools["a"].objects[obj.remote_id].fields["priority"] == \
        hub.values(record_id)["priority"]


async def test_a_partner_channel_never_hears_of_hr_risks(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    hub = Hub(engine, ["a"])
    _configure(hub, server, [{
        "name": "risky", "when": {"event": "risk_raised", "entity": "task"},
        "then": [{"notify": {"channels": ["rd-dingtalk"]}}]}],
        audience={"role": "partner", "projects": ["ATL"]})
    [task_id] = await _tasks_in_project(hub, "ATL", ["Doing"])
    with hub.rt.sessions.begin() as session:
        task = session.get_one(Task, task_id)
        for risk in (["assignee_inactive"], ["assignee_inactive", "overdue"]):
            changes = derive.ChangeSet()
            changes.changed(Entity.task, task_id, ["risks"], {"risks": list(task.risks)})
            task.risks = risk
            session.flush()
            derive.run(hub.rt, session, changes, hub.rt.clock())
    await deliver_due(hub.rt)
    texts = [m.text for m in sandbox.received]
    assert len(texts) == 1
    assert "overdue" in texts[0]
    assert "assignee_inactive" not in texts[0]


async def test_25_messages_in_a_minute_arrive_batched_within_the_limit(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    hub = Hub(engine, ["a"])
    _configure(hub, server, [])
    with hub.rt.sessions.begin() as session:
        for number in range(25):
            session.add(Notification(channel="rd-dingtalk", rule="test",
                                     dedupe_key=f"m{number}", title=f"message {number}",
                                     body=f"body {number}", language="en",
                                     next_attempt_at=hub.rt.clock()))
    done = await deliver_due(hub.rt)
    assert done.notifications == 25
    assert len(sandbox.of("dingtalk")) <= 20
    assert sandbox.refused == []
    text = "\n".join(m.text for m in sandbox.of("dingtalk"))
    assert all(f"message {n}" in text for n in range(25))
    with hub.rt.sessions() as session:
        states = set(session.scalars(select(Notification.state)))
    assert states == {NotificationState.sent}


async def test_a_push_refused_for_good_tells_the_team_with_the_tools_reason(
        engine: Engine, robots: tuple[RobotSandbox, RunningServer]) -> None:
    _, server = robots
    hub = Hub(engine, ["a", "b"], {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}})
    _configure(hub, server, [{"name": "refused", "when": {"event": "push_refused"},
                              "then": [{"notify": {"channels": ["rd-dingtalk"]}}]}])
    obj = hub.tools["a"].user_create({"title": "Spec", "status": "To do"})
    await hub.poll("a")
    await hub.settle()
    hub.tools["b"].inject("permanent")
    hub.tools["a"].user_edit(obj.remote_id, status="Done")
    await hub.poll("a")
    await hub.settle()
    with hub.rt.sessions() as session:
        [message] = session.scalars(select(Notification)).all()
    assert message.body.startswith("b refused the change to task Spec for good:")
    assert "refused by the tool's rules" in message.body
