"""The outbox survives `kill -9` mid-delivery: the message being sent when the process died is
sent again (at least once), and nothing waiting is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.config.models import HubConfig
from hub.config.rules import DingTalkChannel
from hub.notify.outbox import CLAIM_TIMEOUT, deliver_due
from hub.sdk.registry import Registry
from hub.store.base import utcnow
from hub.store.notify import Notification, NotificationState
from hub.sync.runtime import Runtime
from hub.testing.robots import RobotSandbox
from hub.testing.server import serve
from tests.wait import until

ROOT = Path(__file__).parents[2]


def _states(engine: Engine) -> list[NotificationState]:
    with Session(engine) as session:
        return list(session.scalars(select(Notification.state).order_by(Notification.id)))


def test_a_delivery_killed_half_way_is_finished_by_the_next(
        engine: Engine, database_url: str) -> None:
    sandbox = RobotSandbox(dingtalk={"tok": None}, latency=30.0)
    with Session(engine) as session:
        for number in range(3):
            session.add(Notification(channel="robot", rule="test", dedupe_key=f"k{number}",
                                     title=f"message {number}", body="b", language="en",
                                     next_attempt_at=utcnow()))
        session.commit()
    with serve(sandbox.app) as server:
        webhook = f"{server.url}/robot/send?access_token=tok"
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.rules.outbox_child", database_url, webhook],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            until(lambda: NotificationState.sending in _states(engine),
                  "the child claimed the messages", within=30)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
        assert NotificationState.sent not in _states(engine)
        sandbox.latency = 0.0
        later = utcnow() + CLAIM_TIMEOUT + timedelta(seconds=1)
        rt = Runtime(HubConfig(channels={"robot": DingTalkChannel(
            kind="dingtalk", webhook=SecretStr(webhook))}), Registry(), engine,
            clock=lambda: later)
        asyncio.run(deliver_due(rt))
    assert _states(engine) == [NotificationState.sent] * 3
    texts = "\n".join(m.text for m in sandbox.received)
    assert all(f"message {n}" in texts for n in range(3))
