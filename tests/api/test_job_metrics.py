"""/metrics shows the jobs: how many wait and run per kind, the oldest waiting, and how long
recent ones waited and ran (embedded here; scaled out in tests/sync/test_queue.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.auth.tokens import create_token
from hub.store import migrate
from hub.store.auth import Role
from hub.store.sync import InboxItem, InboxState
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.wait import until

MIRROR = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}


def admin(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        secret = create_token(session, Role.admin, datetime.now(UTC)).secret
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_metrics_show_the_embedded_runners_jobs(empty_engine: Engine) -> None:
    engine = empty_engine
    migrate.upgrade(engine)
    tools = fake_tools(["a", "b"])
    app = create_app(fake_config(tools, MIRROR), engine, fake_registry(), background=True)
    tools["a"].user_create({"title": "Launch plan", "status": "To do"})
    headers, body = tools["a"].outbox[-1]
    with TestClient(app) as client:
        assert client.post("/webhooks/a", content=body, headers=headers).status_code == 202
        until(lambda: [o.fields.get("title") for o in list(tools["b"].objects.values())]
              == ["Launch plan"], "the delivery reaches b")
        until(lambda: _states(engine) == {InboxState.processed}, "the delivery is processed")
        text = client.get("/metrics", headers=admin(engine)).text
        ready = client.get("/readyz").json()

    assert 'hub_job_run_seconds{kind="inbox",quantile="0.5"}' in text
    assert 'hub_job_run_seconds{kind="push",quantile="0.95"}' in text
    assert 'hub_jobs_queued{kind="inbox"} 0.0' in text
    assert 'hub_job_wait_seconds{kind="poll",quantile="0.5"}' in text  # the first polls
    assert "hub_jobs_stalled 0.0" in text
    assert ready["queue"] == "embedded"


def _states(engine: Engine) -> set[InboxState]:
    with Session(engine) as session:
        return {i.state for i in session.query(InboxItem)}
