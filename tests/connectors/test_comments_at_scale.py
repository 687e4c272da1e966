"""Fifty comments written on both sides of a Jira issue and its Asana task, then edits and
deletes, carried by webhooks into a running hub (both tools are sandboxes over real HTTP):
afterwards every comment exists exactly once in each tool, with attribution; the hub's own
comments coming back post nothing; a replayed webhook creates nothing."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.api.app import create_app
from hub.config.models import HubConfig, ServerConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.store.comments import Comment
from hub.store.sync import InboxItem
from hub.sync.comments.jobs import read_threads
from hub.sync.jobs import drain_inbox, poll_connector, push_due, register_webhooks
from hub.sync.runtime import Runtime
from hub.testing.server import free_port, serve
from tests.connectors.asana.drivers import asana_config
from tests.connectors.jira.drivers import SECRET, jira_config

pytestmark = pytest.mark.anyio
PEOPLE = {"jira": ["ana.lima@example.com", "carl.diaz@example.com"],
          "asana": ["bea.ross@example.com", "dan.wu@example.com"]}


async def _deliver(rt: Runtime, jira: JiraSandbox, asana: AsanaSandbox) -> int:
    """Let both tools send their webhooks, process them and push, until quiet; pushes made."""
    pushed = 0
    for _ in range(8):
        await jira.drain_webhooks(10)
        await asana.drain_webhooks(10)
        for connector_id in ("rd-jira", "mkt-asana"):
            while (await drain_inbox(rt, connector_id)).more:
                pass
        done = [o for o in await push_due(rt) if o.state == "done"]
        pushed += len(done)
        if not done:
            return pushed
    raise AssertionError("the comments did not settle: something loops")


async def test_fifty_comments_edits_and_deletes_settle_once_in_each_tool(
        engine: Engine) -> None:
    rng = random.Random(21)
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=21)
    jira.add_project("RD", "Research & Development")
    asana = AsanaSandbox(token="asana-pat", seed=21)
    for email in PEOPLE["jira"]:
        jira.add_user(email, email.split("@")[0].replace(".", " ").title())
    for email in PEOPLE["asana"]:
        asana.add_user(email, email.split("@")[0].replace(".", " ").title())
    project = str(asana.add_project("Spring launch")["gid"])
    issue = jira.create_issue("RD", "Launch webinar")["key"]
    task = str(asana.create_task(project, "Webinar promotion", jira_key=issue)["gid"])
    port = free_port()
    registry = Registry()
    registry.add(JiraConnector)
    registry.add(AsanaConnector)

    with serve(jira.app) as jira_server, serve(asana.app) as asana_server:
        config = HubConfig(
            server=ServerConfig(port=port, public_url=f"http://127.0.0.1:{port}"),
            connectors={"rd-jira": jira_config(jira_server.url),
                        "mkt-asana": asana_config(asana_server.url, [project])},
            sync=SyncConfig.model_validate(
                {"entities": {"task": {"match": ["custom.jira_key"]}}}))
        with serve(create_app(config, engine, registry), port=port) as hub:
            rt = Runtime(config, registry, engine)
            for connector_id in ("rd-jira", "mkt-asana"):
                await poll_connector(rt, connector_id)  # the task, linked by its Jira key
            await register_webhooks(rt, "mkt-asana")
            jira.register_webhook(f"{hub.url}/webhooks/rd-jira", SECRET)

            written: dict[str, list[str]] = {"jira": [], "asana": []}
            for n in range(50):
                side = "jira" if n % 2 == 0 else "asana"
                author = rng.choice(PEOPLE[side])
                text = f"Comment {n} from {side}"
                written[side].append(jira.add_comment(issue, text, actor=author)
                                     if side == "jira"
                                     else asana.add_comment(task, text, actor=author))
                if n % 10 == 9:  # webhooks arrive while people keep writing
                    await _deliver(rt, jira, asana)
            await _deliver(rt, jira, asana)

            for comment_id in written["jira"][:5]:
                jira.edit_comment(issue, comment_id, "edited in Jira",
                                  actor=_author(jira, issue, comment_id))
            for gid in written["asana"][:5]:
                asana.edit_comment(gid, "edited in Asana")
            for comment_id in written["jira"][5:10]:
                jira.delete_comment(issue, comment_id)
            for gid in written["asana"][5:10]:
                asana.delete_comment(gid)
            await _deliver(rt, jira, asana)

            # Every comment once in each tool: 40 left, 20 of them copies in each.
            jira_texts = [str(c["body"]) for c in jira.comments(issue)]
            asana_texts = [str(s["text"]) for s in asana.comments(task)]
            assert len(jira_texts) == len(asana_texts) == 40
            originals = _originals(jira_texts) + _originals(asana_texts)
            assert Counter(originals) == Counter(_originals(jira_texts + asana_texts))
            assert sorted(_unattributed(jira_texts)) == sorted(_unattributed(asana_texts))
            assert Counter(_unattributed(jira_texts))["edited in Jira"] == 5
            assert Counter(_unattributed(asana_texts))["edited in Asana"] == 5
            copies = [t for t in jira_texts if " (in Asana): " in t]
            assert len(copies) == 20
            assert all(t.split(" (in Asana): ")[0] in {"Bea Ross", "Dan Wu"} for t in copies)
            assert sum(" (in Jira): " in t for t in asana_texts) == 20

            # Nothing loops: another round of reading every thread pushes nothing.
            for connector_id in ("rd-jira", "mkt-asana"):
                tally = await read_threads(rt, connector_id)
                assert (tally.created, tally.edited, tally.pushes) == (0, 0, 0)
            assert await _deliver(rt, jira, asana) == 0

            # A replayed webhook is taken (2xx) and creates nothing.
            with Session(engine) as session:
                item = session.scalars(select(InboxItem).where(
                    InboxItem.connector_id == "rd-jira")).first()
                assert item is not None
                before = session.scalar(select(func.count()).select_from(Comment))
            signature = "sha256=" + hmac.new(SECRET.encode(), item.body,
                                             hashlib.sha256).hexdigest()
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    f"{hub.url}/webhooks/rd-jira", content=item.body,
                    headers={**{k: str(v) for k, v in item.headers.items()},
                             "X-Hub-Signature": signature})
            assert answer.status_code < 300
            assert await _deliver(rt, jira, asana) == 0
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(Comment)) == before == 50
            assert len(jira.comments(issue)) == len(asana.comments(task)) == 40
            await rt.aclose()


def _author(jira: JiraSandbox, issue: str, comment_id: str) -> str:
    return next(str(c["author"]["emailAddress"]) for c in jira.comments(issue)
                if c["id"] == comment_id)


def _unattributed(texts: list[str]) -> list[str]:
    return [t.split("): ", 1)[1] if " (in " in t else t for t in texts]


def _originals(texts: list[str]) -> list[str]:
    return [t for t in texts if " (in " not in t]
