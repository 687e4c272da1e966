"""`hub serve --no-workers --processes N`: N serving processes on one port, each a stateless API
replica; every delivery is stored once whichever process takes it. Without the job queue the
jobs would run in every process: refused, saying what to do."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hub.store import migrate
from hub.store.db import make_engine
from hub.store.sync import InboxItem
from hub.testing.server import free_port
from tests.conftest import BACKEND
from tests.plugins import run_hub
from tests.wait import until

HUB = str(Path(sys.executable).parent / "hub")
SECRET = "processes-webhook-secret"
CONFIG = """
database: {{url: "{url}"}}
runner: queue
logging: {{level: warning}}
connectors:
  rd-jira:
    kind: jira
    base_url: http://127.0.0.1:9
    email: hub@example.com
    api_token: jira-token
    jql: ""
    poll: {{enabled: false}}
    webhook: {{secret: {secret}}}
"""


def test_several_processes_need_the_job_queue(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(f"database:\n  url: sqlite:///{tmp_path}/hub.db\n")

    serve = run_hub("serve", "--processes", "2", "-c", "config.yaml", cwd=tmp_path)

    assert serve.returncode == 2
    assert "--processes 2: several serving processes need the job queue" in serve.stderr
    assert not (tmp_path / "hub.db").exists()  # nothing was started or created


@pytest.mark.skipif(BACKEND != "postgres", reason="replicas share PostgreSQL")
@pytest.mark.timeout(120)
def test_two_processes_store_each_delivery_once(tmp_path: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # as `hub db upgrade` before a rollout
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(url=database_url, secret=SECRET))
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/rd-jira"
    server = subprocess.Popen([HUB, "serve", "--no-workers", "--processes", "2", "-c",
                               str(config), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "the server answers",
              within=60)
        deliveries = [_signed(i) for i in range(20)]
        # A new connection each: the kernel hands them to either process.
        first = [httpx.post(url, content=body, headers=headers).status_code
                 for headers, body in deliveries]
        again = [httpx.post(url, content=body, headers=headers).status_code
                 for headers, body in deliveries]
        forged = httpx.post(url, content=deliveries[0][1],
                            headers={**deliveries[0][0], "X-Hub-Signature": "sha256=00"})
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=30)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(InboxItem)).scalar_one()
    engine.dispose()

    assert first == [202] * 20, errors
    assert again == [200] * 20  # duplicates, whichever process took the first
    assert forged.status_code == 401
    assert stored == 20


def _signed(i: int) -> tuple[dict[str, str], bytes]:
    body = json.dumps({"webhookEvent": "jira:issue_created", "timestamp": 1796282886975,
                       "issue": {"id": str(1000 + i), "key": f"RD-{i}",
                                 "fields": {"summary": f"Delivery {i}"}}}).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json"}, body


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
