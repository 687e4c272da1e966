"""Comments follow the launch task between R&D's Jira and marketing's Asana (both sandboxes
over real HTTP): each comment shows once in each tool, posted by the hub's account with who
wrote it and where; edits and deletes follow; the hub's own comments coming back change
nothing; a restricted Jira comment never leaves Jira."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.config.comments import CommentsConfig
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.store.canonical import Task
from hub.store.comments import Comment
from hub.sync.comments.jobs import read_threads
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
    issue: str = ""
    task: str = ""


def _runtime(engine: Engine, jira_url: str, asana_url: str, project: str,
             comments: dict[str, Any] | None = None) -> Runtime:
    config = HubConfig(
        connectors={"rd-jira": jira_config(jira_url),
                     "mkt-asana": asana_config(asana_url, [project])},
        sync=SyncConfig.model_validate({"entities": {"task": {"match": ["custom.jira_key"]}}}),
        comments=CommentsConfig.model_validate(comments or {}))
    registry = Registry()
    registry.add(JiraConnector)
    registry.add(AsanaConnector)
    return Runtime(config, registry, engine)


@pytest.fixture
def servers() -> Iterator[tuple[JiraSandbox, AsanaSandbox, str, str, str]]:
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=3)
    jira.add_project("RD", "Research & Development")
    jira.add_user("ana.lima@example.com", "Ana Lima")
    asana = AsanaSandbox(token="asana-pat", seed=3)
    asana.add_user("bea.ross@example.com", "Bea Ross")
    project = str(asana.add_project("Spring launch")["gid"])
    with serve(jira.app) as jira_server, serve(asana.app) as asana_server:
        yield jira, asana, project, jira_server.url, asana_server.url


async def _tools(engine: Engine, servers: tuple[JiraSandbox, AsanaSandbox, str, str, str],
                 comments: dict[str, Any] | None = None) -> Tools:
    jira, asana, project, jira_url, asana_url = servers
    tools = Tools(jira, asana, project, _runtime(engine, jira_url, asana_url, project, comments))
    tools.issue = jira.create_issue("RD", "Launch webinar")["key"]
    tools.task = str(asana.create_task(project, "Webinar promotion",
                                       jira_key=tools.issue)["gid"])
    await _settle(tools.rt)
    return tools


async def _settle(rt: Runtime, rounds: int = 4) -> int:
    """Poll, read the threads and push until nothing is left to push; the pushes made."""
    pushed = 0
    for _ in range(rounds):
        for connector_id in ("rd-jira", "mkt-asana"):
            await poll_connector(rt, connector_id)
            await read_threads(rt, connector_id)
        outcomes = [o for o in await push_due(rt) if o.state == "done"]
        pushed += len(outcomes)
        if not outcomes:
            return pushed
    return pushed


def _texts(tools: Tools) -> tuple[list[str], list[str]]:
    jira = [str(c["body"]) for c in tools.jira.comments(tools.issue)]
    asana = [str(s["text"]) for s in tools.asana.comments(tools.task)]
    return jira, asana


async def test_a_comment_shows_once_in_each_tool_with_who_wrote_it_and_where(
        engine: Engine, servers: Any) -> None:
    tools = await _tools(engine, servers)
    tools.jira.add_comment(tools.issue, "Spec is final, see [the doc](https://wiki.example/spec)",
                           actor="ana.lima@example.com")
    tools.asana.add_comment(tools.task, "Banner copy is ready", actor="bea.ross@example.com")
    await _settle(tools.rt)

    jira, asana = _texts(tools)
    assert sorted(jira) == ["Bea Ross (in Asana): Banner copy is ready",
                            "Spec is final, see [the doc](https://wiki.example/spec)"]
    assert sorted(asana) == [
        "Ana Lima (in Jira): Spec is final, see [the doc](https://wiki.example/spec)",
        "Banner copy is ready"]
    # Posted by the hub's own account, not in anyone's name.
    hub_posts = [c for c in tools.jira.comments(tools.issue)
                 if c["author"]["emailAddress"] == "hub@example.com"]
    assert [c["body"] for c in hub_posts] == ["Bea Ross (in Asana): Banner copy is ready"]

    # The hub's own comments coming back: nothing new, nothing pushed.
    assert await _settle(tools.rt) == 0
    assert _texts(tools) == (jira, asana)
    with Session(engine) as session:
        comments = session.scalars(select(Comment).order_by(Comment.written_at)).all()
        assert [(c.source, c.author_name, c.author.primary_email if c.author else None)
                for c in comments] == [("rd-jira", "Ana Lima", "ana.lima@example.com"),
                                       ("mkt-asana", "Bea Ross", "bea.ross@example.com")]
    await tools.rt.aclose()


async def test_edits_and_deletes_follow_the_comment(engine: Engine, servers: Any) -> None:
    tools = await _tools(engine, servers)
    first = tools.jira.add_comment(tools.issue, "Draft 1", actor="ana.lima@example.com")
    second = tools.asana.add_comment(tools.task, "Looks good", actor="bea.ross@example.com")
    await _settle(tools.rt)

    tools.jira.edit_comment(tools.issue, first, "Draft 2", actor="ana.lima@example.com")
    tools.asana.delete_comment(second)
    await _settle(tools.rt)

    assert _texts(tools) == (["Draft 2"], ["Ana Lima (in Jira): Draft 2"])
    assert await _settle(tools.rt) == 0
    await tools.rt.aclose()


async def test_deletes_keep_leaves_the_other_tools_copy(engine: Engine, servers: Any) -> None:
    tools = await _tools(engine, servers, {"deletes": "keep"})
    comment = tools.jira.add_comment(tools.issue, "Kept for the record",
                                     actor="ana.lima@example.com")
    await _settle(tools.rt)
    tools.jira.delete_comment(tools.issue, comment)
    await _settle(tools.rt)

    assert _texts(tools) == ([], ["Ana Lima (in Jira): Kept for the record"])
    assert await _settle(tools.rt) == 0  # and it is not posted back into Jira
    await tools.rt.aclose()


async def test_a_restricted_jira_comment_never_leaves_jira(engine: Engine,
                                                           servers: Any) -> None:
    tools = await _tools(engine, servers)
    tools.jira.add_comment(tools.issue, "Internal: the root cause is the cache",
                           actor="ana.lima@example.com",
                           visibility={"type": "role", "value": "Developers"})
    tools.jira.add_comment(tools.issue, "Fixed in 2.1", actor="ana.lima@example.com")
    await _settle(tools.rt)

    assert _texts(tools)[1] == ["Ana Lima (in Jira): Fixed in 2.1"]
    with Session(engine) as session:
        restricted = session.scalars(select(Comment).where(Comment.internal)).one()
        assert restricted.body == "Internal: the root cause is the cache"
    await tools.rt.aclose()


async def test_a_file_attached_in_asana_reaches_jira_as_a_link(engine: Engine,
                                                              servers: Any) -> None:
    tools = await _tools(engine, servers)
    tools.asana.attach(tools.task, "brief.pdf", 120_000)
    await _settle(tools.rt)

    [comment] = tools.jira.comments(tools.issue)
    assert comment["body"].startswith("Someone (in Asana): attached brief.pdf (117.2 KB): http")
    assert "get_asset?asset_id=" in comment["body"]  # a link to the file; no bytes were copied
    assert await _settle(tools.rt) == 0
    await tools.rt.aclose()


async def test_a_tool_that_only_receives_keeps_its_own_comments(engine: Engine,
                                                                servers: Any) -> None:
    tools = await _tools(engine, servers, {"connectors": {"mkt-asana": "receive"}})
    tools.jira.add_comment(tools.issue, "Goes to marketing", actor="ana.lima@example.com")
    tools.asana.add_comment(tools.task, "Stays in Asana", actor="bea.ross@example.com")
    await _settle(tools.rt)

    assert _texts(tools) == (["Goes to marketing"],
                             ["Stays in Asana", "Ana Lima (in Jira): Goes to marketing"])
    with Session(engine) as session:
        kept = session.scalars(select(Comment).where(Comment.source == "mkt-asana")).one()
        assert kept.internal  # no partner reads it through the API either
    await tools.rt.aclose()


async def test_a_project_whose_comments_stay_in_jira(engine: Engine, servers: Any) -> None:
    probe = await _tools(engine, servers)
    with Session(engine) as session:
        [key] = {t.project.key for t in session.scalars(select(Task)) if t.project}
    await probe.rt.aclose()
    jira, asana, project, jira_url, asana_url = servers
    rt = _runtime(engine, jira_url, asana_url, project, {"projects": {key: ["rd-jira"]}})
    tools = Tools(jira, asana, project, rt, probe.issue, probe.task)
    tools.jira.add_comment(tools.issue, "Root cause: the cache", actor="ana.lima@example.com")
    await _settle(tools.rt)

    assert _texts(tools) == (["Root cause: the cache"], [])
    await tools.rt.aclose()


async def test_a_jira_mention_is_resolved_to_the_person_and_read_as_their_name(
        engine: Engine, servers: Any) -> None:
    tools = await _tools(engine, servers)
    ana = tools.jira.add_user("ana.lima@example.com", "Ana Lima")["accountId"]
    tools.jira.add_comment(tools.issue, {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [
            {"type": "mention", "attrs": {"id": ana, "text": "@Ana Lima"}},
            {"type": "text", "text": " please review"}]}]})
    await _settle(tools.rt)

    assert _texts(tools)[1] == ["Alex Person (in Jira): @Ana Lima please review"]
    with Session(engine) as session:
        comment = session.scalars(select(Comment)).one()
        assert comment.mentions == [{"name": "@Ana Lima", "email": "ana.lima@example.com"}]
    await tools.rt.aclose()
