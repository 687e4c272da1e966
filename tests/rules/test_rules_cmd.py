"""`hub rules try` shows what a rule would do from the current data and does nothing;
`hub notifications` shows the outbox with the services' reasons for failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from hub.cli.main import app
from hub.store import migrate
from hub.store.canonical import Task
from hub.store.db import make_engine
from hub.store.notify import Notification, NotificationState
from hub.store.sync import AuditEntry
from tests.api.world import World, seed

pytestmark = pytest.mark.usefixtures("restore_logging")

RULES = """\
channels:
  rd-robot:
    kind: dingtalk
    webhook: http://127.0.0.1:9/robot/send?access_token=x
    language: zh
    audience: {role: department, department: R&D}
  partner-robot:
    kind: wecom
    webhook: http://127.0.0.1:9/cgi-bin/webhook/send?key=k
    audience: {role: partner, projects: [RD]}
rules:
  - name: in-progress-tasks
    when: {entity: task, field: status, to: in_progress}
    then:
      - set: {fields: {priority: high}}
      - notify: {channels: [rd-robot, partner-robot],
                 template: {en: "{{ name }} started", zh: "{{ name }} 已开始"}}
"""


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> tuple[World, Path]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    world = seed(engine)
    engine.dispose()
    config = tmp_path / "config.yaml"
    config.write_text(f'database: "{database_url}"\n' + RULES)
    return world, config


def hub(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--config", str(config)], env={"COLUMNS": "200"})


def test_rules_try_shows_the_records_and_messages_and_changes_nothing(
        world: tuple[World, Path], database_url: str) -> None:
    seeded, config = world
    engine = make_engine(database_url)
    with Session(engine) as session:
        audited = session.scalar(select(func.count()).select_from(AuditEntry))
    shown = hub(config, "rules", "try", "in-progress-tasks")
    assert shown.exit_code == 0, shown.output
    assert f"task {seeded.ids['rd_task']}" in shown.stdout
    assert "Design gearbox 已开始" in shown.stdout  # the R&D robot's language
    assert "Design gearbox started" in shown.stdout
    assert "set priority=high on 1 task(s)" in shown.stdout
    data = json.loads(hub(config, "rules", "try", "in-progress-tasks", "--json").stdout)
    assert [i["subject"] for i in data["items"]] == [f"task {seeded.ids['rd_task']}"]
    with Session(engine) as session:
        assert session.get_one(Task, seeded.ids["rd_task"]).priority is None
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audited
    engine.dispose()


def test_rules_try_names_a_rule_it_does_not_know(world: tuple[World, Path]) -> None:
    _, config = world
    shown = hub(config, "rules", "try", "in-progress-task")
    assert shown.exit_code == 2
    assert 'did you mean "in-progress-tasks"?' in shown.output


def test_notifications_list_failures_and_retry(world: tuple[World, Path],
                                               database_url: str) -> None:
    _, config = world
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(Notification(channel="rd-robot", rule="in-progress-tasks", dedupe_key="k",
                                 title="Design gearbox 已开始", body="b", language="zh",
                                 state=NotificationState.failed,
                                 last_error="dingtalk refused the message: 310000 sign not "
                                            "match"))
        session.commit()
    listed = hub(config, "notifications")
    assert listed.exit_code == 0, listed.output
    assert "310000 sign not match" in listed.stdout
    retried = hub(config, "notifications", "--retry")
    assert "1 failed message(s) will be sent again" in retried.stdout
    with Session(engine) as session:
        assert session.scalars(select(Notification.state)).one() == NotificationState.pending
    engine.dispose()
