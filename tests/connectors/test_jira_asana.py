"""R&D's Jira and marketing's Asana on the same launch task, linked by a match rule (Asana's
"Jira key" custom field equals the Jira issue key): a status change on either side arrives on
the other, and the echo changes nothing; a field one tool refuses (a status its workflow can't
reach, an assignee without an account) costs none of the others. Both tools are sandboxes over
real HTTP."""

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
from connectors.jira.sandbox import JiraSandbox, Workflow
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.query.health import connector_health
from hub.sdk.registry import Registry
from hub.store.sync import IntentState, Link, PushIntent, PushRefusal
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


def _refusals(engine: Engine) -> list[PushRefusal]:
    with Session(engine) as session:
        return list(session.scalars(select(PushRefusal)))


async def test_a_status_jira_has_no_way_to_does_not_cost_the_title(tools: Tools,
                                                                   engine: Engine) -> None:
    tools.jira.set_workflow("RD", Workflow.build(
        "No blocking", [("To Do", "new"), ("In Progress", "indeterminate"), ("Done", "done")],
        [("To Do", "In Progress"), ("In Progress", "Done"), ("Done", "To Do")]))
    issue = tools.jira.create_issue("RD", "Launch webinar")
    task = tools.asana.create_task(tools.project, "Launch webinar", jira_key=issue["key"])
    await _cycle(tools.rt)

    tools.asana.update_task(task["gid"], name="Launch webinar (final)", status="Waiting")
    await _cycle(tools.rt)

    fields = tools.jira.issue(issue["key"])["fields"]
    assert fields["summary"] == "Launch webinar (final)"
    assert fields["status"]["name"] == "To Do"
    [refusal] = _refusals(engine)
    assert (refusal.connector_id, refusal.field, refusal.value) == ("rd-jira", "status",
                                                                    "blocked")
    assert "no workflow path to 'Blocked'" in refusal.reason
    assert "has no such status (its statuses: Done, In Progress, To Do)" in refusal.reason
    with Session(engine) as session:
        [health] = [h for h in connector_health(session, tools.rt.config, tools.rt.clock())
                    if h["id"] == "rd-jira"]
        assert session.scalar(select(func.count()).select_from(PushIntent).where(
            PushIntent.state == IntentState.failed)) == 0
    assert (health["refused_fields"], health["state"]) == (1, "degraded")
    again = await _cycle(tools.rt)  # nothing is pushed again and again meanwhile
    assert again[0].pushes_queued == again[1].pushes_queued == 0
    await tools.rt.aclose()


async def test_a_mirror_create_leaves_out_an_assignee_asana_does_not_know_and_fills_them_in(
        engine: Engine, tools: Tools) -> None:
    rt = Runtime(tools.rt.config.model_copy(update={"sync": SyncConfig.model_validate(
        {"entities": {"task": {"mirror": [{"from": "rd-jira", "to": "mkt-asana"}]}}})}),
        tools.rt.registry, engine)
    tools.jira.add_user("dev@example.com", "Dana Dev")
    issue = tools.jira.create_issue("RD", "Write the release notes", assignee="dev@example.com")
    await _cycle(rt)

    [mirrored] = [t for t in tools.asana.state.tasks.values() if t.name == issue["fields"]
                  ["summary"]]
    assert mirrored.assignee is None  # created all the same, without the unknown person
    [refusal] = _refusals(engine)
    assert (refusal.field, refusal.waits_for) == ("assignees", "person:dev@example.com")
    assert "assignee: Not a recognized ID" in refusal.reason

    tools.asana.add_user("dev@example.com", "Dana Dev")  # Dana gets an Asana account...
    tools.asana.create_task(tools.project, "Brief the agency", assignee="dev@example.com")
    await _cycle(rt)  # ...and the hub meets her there

    assert tools.asana.task(mirrored.gid)["assignee"]["email"] == "dev@example.com"
    assert _refusals(engine) == []
    await rt.aclose()
