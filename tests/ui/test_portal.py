"""The partner portal: a partner's request becomes a task in the configured tool, labelled as
the partner's, and the tool's status shows back in the portal; what it sends is checked and
rate-limited."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.config.models import PortalConfig
from hub.model.enums import Entity, TaskStatus
from hub.store.canonical import Task
from hub.store.sync import PushIntent
from hub.sync.jobs import poll_connector
from hub.sync.push import push_intent
from hub.testing.fake import FakeTool
from tests.api.world import NOW, World
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.ui.conftest import csrf_of, sign_in


@pytest.fixture
def tools() -> dict[str, FakeTool]:
    return fake_tools(["a", "b"], clock=lambda: NOW)


@pytest.fixture
def portal_app(engine: Engine, world: World, tools: dict[str, FakeTool]) -> FastAPI:
    config = fake_config(tools).model_copy(
        update={"portal": PortalConfig(requests_to="a", per_hour=2)})
    app = create_app(config, engine, fake_registry())
    app.state.clock = lambda: NOW
    return app


@pytest.fixture
def partner(portal_app: FastAPI, world: World) -> Iterator[TestClient]:
    with TestClient(portal_app) as client:
        sign_in(client, world.tokens["partner"])
        yield client


def _send(client: TestClient, **fields: str) -> httpx.Response:
    form = {"project": "RD", "kind": "change_request", "title": "Longer cable",
            "details": "The harness needs 20 cm more.",
            "link": "https://docs.acme.example/cr-7.pdf", **fields}
    csrf = csrf_of(client.get("/ui/portal").text)
    answer: httpx.Response = client.post("/ui/portal/requests", data={**form, "csrf": csrf})
    return answer


def test_a_request_becomes_a_task_in_the_tool_and_its_status_shows_back(
        partner: TestClient, portal_app: FastAPI, engine: Engine,
        tools: dict[str, FakeTool]) -> None:
    sent = _send(partner)
    assert "Sent" in sent.text
    with Session(engine) as session:
        task = session.scalars(select(Task).where(Task.title == "[Acme] Longer cable")).one()
        assert task.labels == ["partner:Acme", "request:change_request"]
        assert "https://docs.acme.example/cr-7.pdf" in (task.description or "")
        intent = session.scalars(select(PushIntent).where(
            PushIntent.record_id == task.id, PushIntent.entity == Entity.task)).one()
        assert (intent.connector_id, intent.create) == ("a", True)
        task_id, intent_id = task.id, intent.id
    rt = portal_app.state.runtime
    asyncio.run(push_intent(rt, intent_id))
    [created] = [o for o in tools["a"].objects.values() if o.hub_id == task_id]
    assert created.fields["title"] == "[Acme] Longer cable"
    assert "partner:Acme" in created.fields["labels"]
    assert f"request-{task_id}" in partner.get("/ui/portal").text
    tools["a"].user_edit(created.remote_id, status="Done")
    asyncio.run(poll_connector(rt, "a"))
    with Session(engine) as session:
        done = session.get(Task, task_id)
        assert done is not None
        assert done.status is TaskStatus.done
    row = partner.get("/ui/portal").text.split(f'id="request-{task_id}"')[1].split("</tr>")[0]
    assert "done" in row
    assert "“Done”" in row  # the tool's own status name


def test_what_a_partner_sends_is_checked(partner: TestClient) -> None:
    assert _send(partner, link="javascript:alert(1)").status_code == 400
    assert _send(partner, title="   ").status_code == 400
    assert _send(partner, kind="bribe").status_code == 400
    assert _send(partner, project="MK").status_code == 404
    refused = partner.post("/ui/portal/requests", data={"project": "RD", "kind": "issue",
                                                        "title": "x"})
    assert refused.status_code == 403  # no CSRF secret


def test_requests_are_rate_limited_per_partner(partner: TestClient) -> None:
    assert "Sent" in _send(partner, title="one").text
    assert "Sent" in _send(partner, title="two").text
    third = _send(partner, title="three")
    assert third.status_code == 429
    assert "in the last hour" in third.text


def test_only_partners_send_requests(portal_app: FastAPI, world: World) -> None:
    with TestClient(portal_app) as manager:
        sign_in(manager, world.tokens["manager"])
        assert "Send a request" not in manager.get("/ui/portal").text
        assert _send(manager).status_code == 403
