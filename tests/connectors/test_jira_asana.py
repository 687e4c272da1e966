"""R&D's Jira and marketing's Asana on the same launch task, linked by a match rule (Asana's
"Jira key" custom field equals the Jira issue key): a status change on either side arrives on
the other, and the echo changes nothing. Both tools are sandboxes over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.store.sync import Link
from hub.sync.jobs import poll_connector, push_due
from hub.sync.runtime import Runtime
from hub.testing.server import serve
from tests.connectors.asana.drivers import asana_config
from tests.connectors.jira.drivers import jira_config

pytestmark = pytest.mark.anyio


@dataclass
class Tools:
    jira: JiraSandbox
    asana: AsanaSandbox
    project: str
    rt: Runtime


@pytest.fixture
def tools(engine: Engine) -> Iterator[Tools]:
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=3)
    jira.add_project("RD", "Research & Development")
    asana = AsanaSandbox(token="asana-pat", seed=3)
    project = str(asana.add_project("Spring launch")["gid"])
    with serve(jira.app) as jira_server, serve(asana.app) as asana_server:
        config = HubConfig(
            connectors={"rd-jira": jira_config(jira_server.url),
                        "mkt-asana": asana_config(asana_server.url, [project])},
            sync=SyncConfig.model_validate(
                {"entities": {"task": {"match": ["custom.jira_key"]}}}))
        registry = Registry()
        registry.add(JiraConnector)
        registry.add(AsanaConnector)
        yield Tools(jira, asana, project, Runtime(config, registry, engine))


async def _cycle(rt: Runtime) -> tuple[Any, Any]:
    jira = await poll_connector(rt, "rd-jira")
    asana = await poll_connector(rt, "mkt-asana")
    await push_due(rt)
    return jira, asana


async def test_status_flows_both_ways_between_jira_and_asana(tools: Tools,
                                                            engine: Engine) -> None:
    issue = tools.jira.create_issue("RD", "Launch webinar")
    task = tools.asana.create_task(tools.project, "Webinar promotion", jira_key=issue["key"])
    await _cycle(tools.rt)
    with Session(engine) as session:
        records = session.scalar(select(func.count(func.distinct(Link.record_id))))
    assert records == 1  # one task, linked in both tools by the Jira key

    tools.jira.transition(issue["key"], "In Progress")
    await _cycle(tools.rt)
    assert tools.asana.task(task["gid"])["custom_fields"] is not None
    assert _asana_status(tools, task["gid"]) == "Doing"

    tools.asana.update_task(task["gid"], completed=True)
    await _cycle(tools.rt)
    assert tools.jira.issue(issue["key"])["fields"]["status"]["name"] == "Done"

    # The echo of both writes: nothing changes, nothing is pushed.
    jira, asana = await _cycle(tools.rt)
    assert jira.updated == asana.updated == 0
    assert jira.pushes_queued == asana.pushes_queued == 0
    assert tools.asana.task(task["gid"])["completed"] is True
    await tools.rt.aclose()


def _asana_status(tools: Tools, gid: str) -> str | None:
    fields = tools.asana.task(gid)["custom_fields"]
    return next((f["enum_value"]["name"] for f in fields
                 if f["name"] == "Status" and f.get("enum_value")), None)
