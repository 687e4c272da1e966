"""The morning digest: written once at its time, in the manager's language, arriving at the
SMTP sandbox, and readable later at /api/v1/digests for those allowed to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.config.rules import Channel, DigestsConfig
from hub.notify.digest import due_digests
from hub.notify.outbox import deliver_due
from hub.store.canonical import Task
from hub.store.notify import Digest
from hub.sync.runtime import Runtime
from hub.testing.robots.smtp import smtp_server
from tests.api.world import NOW, World, seed
from tests.sync.harness import fake_config, fake_registry, fake_tools

pytestmark = pytest.mark.anyio
MORNING = NOW.replace(hour=8, minute=5)


def _runtime(engine: Engine, port: int) -> Runtime:
    channel = TypeAdapter(Channel).validate_python({
        "kind": "email", "host": "127.0.0.1", "port": port, "starttls": False,
        "sender": "hub@example.com", "to": ["alice@example.com"], "language": "zh"})
    config = fake_config(fake_tools(["a"])).model_copy(update={
        "channels": {"alice-mail": channel},
        "digests": DigestsConfig.model_validate({"at": "08:00", "targets": [
            {"scope": "manager", "key": "alice@example.com", "channels": ["alice-mail"]}]})})
    return Runtime(config, fake_registry(), engine, clock=lambda: MORNING)


def _finish_yesterday(engine: Engine, world: World) -> None:
    with Session(engine) as session:
        task = session.get_one(Task, world.ids["rd_done"])
        task.completed_at = MORNING - timedelta(hours=3)
        session.commit()


async def test_the_morning_digest_arrives_in_chinese_once(engine: Engine) -> None:
    world = seed(engine)
    _finish_yesterday(engine, world)
    with smtp_server() as box:
        rt = _runtime(engine, box.port)
        assert due_digests(rt, MORNING - timedelta(hours=1)) == 0  # 07:05: not yet
        assert due_digests(rt, MORNING) == 1
        assert due_digests(rt, MORNING + timedelta(minutes=1)) == 0  # once a day
        await deliver_due(rt)
        [mail] = box.messages
    assert mail["Subject"].startswith("每日摘要 alice@example.com")
    body = mail.get_body()
    assert body is not None
    text = body.get_content()
    assert "已完成（1）" in text  # noqa: RUF001 - the digest's Chinese punctuation
    assert "Pick motor" in text
    assert "Draft campaign" not in text  # Bob's project, not Alice's


def test_digests_are_readable_later_by_the_teams_not_by_partners(engine: Engine) -> None:
    world = seed(engine)
    _finish_yesterday(engine, world)
    rt = _runtime(engine, 9)
    due_digests(rt, MORNING)
    app = create_app(rt.config, engine, fake_registry())
    with TestClient(app) as client:
        manager = {"Authorization": f"Bearer {world.tokens['manager']}"}
        found = client.get("/api/v1/digests", params={"date": MORNING.date().isoformat()},
                           headers=manager)
        assert found.status_code == 200, found.text
        [digest] = found.json()["items"]
        assert digest["subject"] == "alice@example.com"
        assert digest["facts"]["done"] == ["Pick motor"]
        other_day = client.get("/api/v1/digests", params={"date": "2020-01-01"},
                               headers=manager)
        assert other_day.json()["items"] == []
        partner = client.get("/api/v1/digests",
                             headers={"Authorization": f"Bearer {world.tokens['partner']}"})
        assert partner.status_code == 403
        for bad in ("yesterday", "0"):
            answer = client.get("/api/v1/digests", params={"date": bad}, headers=manager)
            assert answer.status_code == 400, answer.text
    with Session(engine) as session:
        assert len(list(session.scalars(select(Digest)))) == 1
