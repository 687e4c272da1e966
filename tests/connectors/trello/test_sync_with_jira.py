"""Design's Trello board and R&D's Jira on the same launch work, over real HTTP: a card that
names its Jira issue (`Jira: RD-1`) is one task with it; moves, renames, due dates and
assignees flow both ways through the lookup tables; a Jira issue mirrored to Trello becomes a
card carrying the hub's id; the echo of every write changes nothing; and every request the
hub makes of Trello is one its OpenAPI description has."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from connectors.trello import TrelloConnector
from connectors.trello.sandbox import TrelloSandbox
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.store.sync import Link, PushIntent
from hub.sync.runtime import Runtime
from hub.testing.kit.openapi import SpecRecorder
from hub.testing.server import serve
from tests.connectors.hub_steps import cycle
from tests.connectors.jira.drivers import jira_config
from tests.connectors.trello.drivers import trello_config

pytestmark = pytest.mark.anyio


@dataclass
class Tools:
    jira: JiraSandbox
    trello: TrelloSandbox
    rt: Runtime
    recorder: SpecRecorder


@pytest.fixture
def tools(engine: Engine, trello: TrelloSandbox, recorder: SpecRecorder) -> Iterator[Tools]:
    ana = trello.one(trello.members, username="anadesign")["id"]
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=3)
    jira.add_project("RD", "Research & Development")
    for person in ("ana.design@aurora.example", "bo.print@aurora.example"):
        jira.add_user(person, person.split("@")[0].replace(".", " ").title())
    with serve(jira.app) as jira_server, serve(recorder) as trello_server:
        config = HubConfig(
            connectors={"rd-jira": jira_config(jira_server.url),
                        "design-trello": trello_config(trello_server.url, trello.board["id"])},
            sync=SyncConfig.model_validate({"aliases": [
                # Trello shows Ana's e-mail to nobody but her: the hub knows her member id.
                {"email": "ana.design@aurora.example",
                 "also": [f"design-trello:{ana}"]}],
                "entities": {"task": {
                "match": ["custom.jira_key"],
                "mirror": [{"from": "rd-jira", "to": "design-trello",
                            "where": {"labels": ["design"]}}]}}}))
        registry = Registry()
        registry.add(JiraConnector)
        registry.add(TrelloConnector)
        yield Tools(jira, trello, Runtime(config, registry, engine), recorder)


async def _cycle(rt: Runtime) -> list[Any]:
    return await cycle(rt, "rd-jira", "design-trello")


async def test_a_card_and_its_jira_issue_stay_one_task_both_ways(tools: Tools,
                                                                 engine: Engine) -> None:
    issue = tools.jira.create_issue("RD", "Launch poster", assignee="ana.design@aurora.example")
    card = tools.trello.create_card("Launch poster", desc=f"Jira: {issue['key']}",
                                    actor="ana.design@aurora.example",
                                    members=["ana.design@aurora.example"])
    await _cycle(tools.rt)
    await _cycle(tools.rt)
    with Session(engine) as session:
        tasks = session.scalar(select(func.count(func.distinct(Link.record_id)))
                               .where(Link.remote_type.in_(["issue", "card"])))
    assert tasks == 1  # one task, linked in both tools by the Jira key
    # Ana is the card's member and the issue's assignee: one person, so nothing to push.
    assert tools.jira.issue(issue["key"])["fields"]["assignee"]["emailAddress"] == \
        "ana.design@aurora.example"
    tools.trello.update_card(card["id"], list_name="Doing", actor="bo.print@aurora.example")
    await _cycle(tools.rt)
    assert tools.jira.issue(issue["key"])["fields"]["status"]["name"] == "In Progress"

    tools.jira.edit_issue(issue["key"], summary="Launch poster, final", duedate="2026-12-01")
    tools.jira.transition(issue["key"], "Done")
    await _cycle(tools.rt)
    moved = tools.trello.cards.get(card["id"])
    assert moved is not None
    assert moved["name"] == "Launch poster, final"
    assert tools.trello.lists.get(moved["idList"])["name"] == "Done"  # type: ignore[index]
    assert str(moved["due"]).startswith("2026-12-01")
    assert moved["idMembers"] == [tools.trello.members.find(username="anadesign")["id"]]  # type: ignore[index]

    # The echo of both writes: nothing changes, nothing is pushed.
    jira, trello = await _cycle(tools.rt)
    assert jira.updated == trello.updated == 0
    assert jira.pushes_queued == trello.pushes_queued == 0
    assert tools.recorder.checked > 20  # reads, lookups, actions, writes: all described
    assert tools.recorder.violations == []
    await tools.rt.aclose()


async def test_a_design_issue_is_mirrored_to_a_card_once(tools: Tools, engine: Engine) -> None:
    issue = tools.jira.create_issue("RD", "Icon set for the launch", labels=["design"],
                                    assignee="bo.print@aurora.example")
    await _cycle(tools.rt)
    await _cycle(tools.rt)

    cards = tools.trello.cards.live()
    assert [c["name"] for c in cards] == ["Icon set for the launch"]
    assert "[hub:" in cards[0]["desc"]  # the hub's id: a retried create finds the card
    bo = tools.trello.members.find(email="bo.print@aurora.example")
    assert bo is not None
    assert cards[0]["idMembers"] == [bo["id"]]  # Bo's e-mail comes from the members: setting

    tools.trello.update_card(cards[0]["id"], list_name="Review")
    await _cycle(tools.rt)
    assert tools.jira.issue(issue["key"])["fields"]["status"]["name"] == "In Review"
    jira, trello = await _cycle(tools.rt)
    assert jira.pushes_queued == trello.pushes_queued == 0
    with Session(engine) as session:
        failed = session.scalar(select(func.count()).select_from(PushIntent)
                                .where(PushIntent.last_error.is_not(None)))
    assert failed == 0
    assert tools.recorder.violations == []
    await tools.rt.aclose()
