"""Marketing's monday.com board and R&D's Jira, over real HTTP: a Jira issue mirrored to the
board becomes an item carrying the hub's id in its text column; status, name, owner and due
date flow both ways; the echo changes nothing; every GraphQL document the hub sent validates
against monday's official schema, and the sandbox's own schema is that schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import build_schema, parse, validate
from sqlalchemy import Engine

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from connectors.monday import MondayConnector
from connectors.monday.sandbox import MondaySandbox
from connectors.monday.sandbox.app import SCHEMA_FILE
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.sync.runtime import Runtime
from hub.testing.server import serve
from tests.connectors.hub_steps import cycle
from tests.connectors.jira.drivers import jira_config
from tests.connectors.monday.conftest import monday_config
from tests.specs import spec_file

pytestmark = pytest.mark.anyio


@dataclass
class Tools:
    jira: JiraSandbox
    monday: MondaySandbox
    rt: Runtime


@pytest.fixture
def tools(engine: Engine, monday: MondaySandbox) -> Iterator[Tools]:
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=3)
    jira.add_project("RD", "Research & Development")
    jira.add_user("mia.marketing@aurora.example", "Mia Marketing")
    with serve(jira.app) as jira_server, serve(monday.app) as monday_server:
        config = HubConfig(
            connectors={"rd-jira": jira_config(jira_server.url),
                        "mkt-monday": monday_config(monday_server.url, monday.board["id"])},
            sync=SyncConfig.model_validate({"entities": {"task": {
                "mirror": [{"from": "rd-jira", "to": "mkt-monday"}]}}}))
        registry = Registry()
        registry.add(JiraConnector)
        registry.add(MondayConnector)
        yield Tools(jira, monday, Runtime(config, registry, engine))


async def _cycle(rt: Runtime) -> list[Any]:
    return await cycle(rt, "rd-jira", "mkt-monday")


def _columns(monday: MondaySandbox) -> dict[str, Any]:
    (item,) = monday.items.live()
    return {"name": item["name"], **item["values"]}


async def test_an_issue_and_its_item_stay_one_task_both_ways(tools: Tools) -> None:
    issue = tools.jira.create_issue("RD", "Launch video", assignee="mia.marketing@aurora.example",
                                    duedate="2026-12-10")
    await _cycle(tools.rt)
    await _cycle(tools.rt)
    item = _columns(tools.monday)
    mia = tools.monday.one(tools.monday.users, email="mia.marketing@aurora.example")
    assert item["name"] == "Launch video"
    assert item["status"] == {"label": "Not started"}
    assert item["person"] == {"personsAndTeams": [{"id": int(mia["id"]), "kind": "person"}]}
    assert item["date"] == {"date": "2026-12-10"}
    assert item["hub_id"]  # a retried create finds the item by it

    (made,) = tools.monday.items.live()
    tools.monday.update_item(made["id"], status="Working on it", name="Launch video, teaser")
    await _cycle(tools.rt)
    fields = tools.jira.issue(issue["key"])["fields"]
    assert fields["status"]["name"] == "In Progress"
    assert fields["summary"] == "Launch video, teaser"

    tools.jira.transition(issue["key"], "Done")
    await _cycle(tools.rt)
    assert _columns(tools.monday)["status"] == {"label": "Done"}

    jira, monday = await _cycle(tools.rt)
    assert jira.updated == monday.updated == 0
    assert jira.pushes_queued == monday.pushes_queued == 0

    official = build_schema(spec_file("monday-schema.graphql").read_text(encoding="utf-8"))
    assert SCHEMA_FILE.read_text(encoding="utf-8") == \
        spec_file("monday-schema.graphql").read_text(encoding="utf-8")
    asked = set(tools.monday.queries)
    assert len(asked) >= 5  # check, listing, fetch, users, create, change
    for document in asked:
        assert validate(official, parse(document)) == [], document
    await tools.rt.aclose()
