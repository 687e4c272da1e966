"""The hub and the Jira sandbox end to end: Jira changes reach the canonical store by webhook
and, with webhooks off, by polling; canonical changes reach Jira through its workflow; the
echo of the hub's own writes changes nothing; forged and repeated deliveries are refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.api.app import create_app
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.model.enums import Entity
from hub.sdk.config import PollConfig
from hub.sdk.connector import PollPage
from hub.sdk.registry import Registry
from hub.store.sync import AuditEntry, InboxItem, IntentState, Link, PushIntent
from hub.sync.deliveries import process_inbox_item
from hub.sync.inbox import receive
from hub.sync.jobs import poll_connector, push_due, scan_deletes
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime
from hub.testing.fake import FakeConfig, FakeConnector, FakeTool
from hub.testing.server import RunningServer, serve
from tests.connectors.jira.drivers import SECRET, jira_config
from tests.sync.harness import fake_tools
from tests.wait import until

SYNC = {"entities": {"task": {"mirror": [{"from": "rd-jira", "to": "mkt"}]}}}


@dataclass
class Setup:
    config: HubConfig
    registry: Registry
    mkt: FakeTool


def _setup(jira_url: str, webhooks: bool) -> Setup:
    mkt = fake_tools(["mkt"])["mkt"]
    poll = PollConfig(enabled=not webhooks, every=timedelta(minutes=10))
    config = HubConfig(
        connectors={"rd-jira": jira_config(jira_url, poll=poll),
                    "mkt": FakeConfig(tool=mkt.name, token=SecretStr(mkt.token),
                                      poll=PollConfig(enabled=False))},
        sync=SyncConfig.model_validate(SYNC))
    registry = Registry()
    registry.add(JiraConnector)
    registry.add(FakeConnector)
    return Setup(config, registry, mkt)


def _status(engine: Engine, issue_id: str) -> str | None:
    with RecordStore(session := _session(engine)).session:
        record_id = session.scalar(select(Link.record_id).where(
            Link.connector_id == "rd-jira", Link.remote_id == issue_id))
        if record_id is None:
            return None
        store = RecordStore(session)
        record = store.load(Entity.task, [record_id]).get(record_id)
        return None if record is None else store.values(Entity.task, record)["status"]


def _session(engine: Engine):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    return Session(engine)


@pytest.fixture
def hub_server(engine: Engine, sandbox: JiraSandbox,
               sandbox_server: RunningServer) -> Iterator[tuple[RunningServer, Setup]]:
    """The hub (API, webhooks, runner) over HTTP, Jira's webhooks pointed at it."""
    setup = _setup(sandbox_server.url, webhooks=True)
    with serve(create_app(setup.config, engine, setup.registry, background=True)) as hub:
        sandbox.register_webhook(f"{hub.url}/webhooks/rd-jira", SECRET)
        yield hub, setup


def test_jira_changes_arrive_by_webhook_and_canonical_changes_go_back_by_transition(
        engine: Engine, sandbox: JiraSandbox,
        hub_server: tuple[RunningServer, Setup]) -> None:
    hub, setup = hub_server
    issue = sandbox.create_issue("RD", "Launch checklist")
    until(lambda: len(setup.mkt.objects) == 1, "the new Jira issue is mirrored to marketing")

    sandbox.transition(issue["key"], "In Progress")
    until(lambda: _status(engine, str(issue["id"])) == "in_progress",
          "Jira's status reaches the canonical store by webhook")
    [mirror] = setup.mkt.objects.values()
    until(lambda: mirror.fields.get("status") == "Doing", "and marketing's copy")

    # Marketing finishes it: the hub walks Jira's workflow to Done, resolution included.
    setup.mkt.user_edit(mirror.remote_id, status="Done")
    headers, body = setup.mkt.outbox[-1]
    assert httpx.post(f"{hub.url}/webhooks/mkt", content=body, headers=headers).status_code \
        == 202
    until(lambda: sandbox.issue(issue["key"])["fields"]["status"]["name"] == "Done",
          "the status reaches Jira through its transitions")
    assert sandbox.issue(issue["key"])["fields"]["resolution"]["name"] == "Done"

    # Jira now echoes the hub's transitions back: they must change nothing, push nothing.
    until(lambda: sandbox.webhooks.idle(), "Jira delivered its echo webhooks")
    until(lambda: _inbox_done(engine), "the hub processed them")
    with _session(engine) as session:
        echo_updates = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.source == "rd-jira", AuditEntry.action == "update",
            AuditEntry.delivery != "push", AuditEntry.delivery != "pre-read"))
        pending = session.scalar(select(func.count()).select_from(PushIntent).where(
            PushIntent.state == IntentState.pending))
    assert echo_updates == 1  # only the person's own transition to In Progress
    assert pending == 0
    assert _status(engine, str(issue["id"])) == "done"


def _inbox_done(engine: Engine) -> bool:
    with _session(engine) as session:
        return not session.scalar(select(func.count()).select_from(InboxItem).where(
            InboxItem.state == "pending"))


@pytest.mark.anyio
async def test_with_webhooks_off_polling_brings_the_change(
        engine: Engine, sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    setup = _setup(sandbox_server.url, webhooks=False)
    rt = Runtime(setup.config, setup.registry, engine)
    issue = sandbox.create_issue("RD", "Press kit")
    first = await poll_connector(rt, "rd-jira")
    await push_due(rt)

    sandbox.transition(issue["key"], "In Review")
    second = await poll_connector(rt, "rd-jira")
    await push_due(rt)
    again = await poll_connector(rt, "rd-jira")

    assert first.created == 1
    assert second.updated == 1
    assert _status(engine, str(issue["id"])) == "in_review"
    assert next(iter(setup.mkt.objects.values())).fields["status"] == "Review"
    assert again.updated == again.created == 0  # the overlap re-reads; nothing changes
    await rt.aclose()


def test_forged_or_missing_signatures_are_refused_and_repeats_stored_once(
        engine: Engine, sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    from fastapi.testclient import TestClient

    setup = _setup(sandbox_server.url, webhooks=True)
    sandbox.webhooks.pause()
    hook = sandbox.state.webhooks.get(int(sandbox.register_webhook("http://127.0.0.1:9/x",
                                                                   SECRET)))
    sandbox.create_issue("RD", "Signed")
    delivery = sandbox.webhooks.pending()[-1]
    assert hook is not None
    headers = sandbox.webhooks.headers(hook, delivery)
    forged = {**headers, "X-Hub-Signature": "sha256=" + "0" * 64}
    missing = {k: v for k, v in headers.items() if k != "X-Hub-Signature"}

    with TestClient(create_app(setup.config, engine, setup.registry)) as client:
        answers = [client.post("/webhooks/rd-jira", content=delivery.body, headers=h)
                   for h in (forged, missing, headers, headers)]

    assert [a.status_code for a in answers] == [401, 401, 202, 200]
    assert answers[0].headers["content-type"] == "application/problem+json"
    with _session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboxItem)) == 1


@pytest.mark.anyio
async def test_the_delete_scan_finds_issues_gone_without_a_webhook(
        engine: Engine, sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    setup = _setup(sandbox_server.url, webhooks=False)
    rt = Runtime(setup.config, setup.registry, engine)
    kept = sandbox.create_issue("RD", "Kept")
    gone = sandbox.create_issue("RD", "Deleted while nobody listened")
    await poll_connector(rt, "rd-jira")
    sandbox.delete_issue(gone["key"])

    tally = await scan_deletes(rt, "rd-jira")
    again = await scan_deletes(rt, "rd-jira")

    assert tally.deleted == 1
    assert again.deleted == 0
    with _session(engine) as session:
        live = set(session.scalars(select(Link.remote_id).where(Link.deleted_at.is_(None))))
    assert live == {str(kept["id"])}
    await rt.aclose()


@pytest.mark.anyio
async def test_an_issue_deleted_webhook_is_read_back_before_anything_is_tombstoned(
        engine: Engine, sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    setup = _setup(sandbox_server.url, webhooks=False)
    rt = Runtime(setup.config, setup.registry, engine)
    alive = sandbox.create_issue("RD", "Still here")
    gone = sandbox.create_issue("RD", "Really deleted")
    await poll_connector(rt, "rd-jira")
    hook = sandbox.state.webhooks.get(int(sandbox.register_webhook("http://127.0.0.1:9/x",
                                                                   SECRET)))
    assert hook is not None
    sandbox.webhooks.pause()
    sandbox.delete_issue(gone["key"])
    [real] = sandbox.webhooks.pending()
    # The same event for an issue that is there (a misrouted or forged delivery, signed).
    body = real.body.replace(str(gone["id"]).encode(), str(alive["id"]).encode()) \
        .replace(gone["key"].encode(), alive["key"].encode())

    tallies = []
    for payload, identifier in ((body, "forged-1"), (real.body, real.identifier)):
        received = receive(rt, "rd-jira", sandbox.webhooks.headers(
            hook, replace(real, body=payload, identifier=identifier)), payload)
        assert received.item_id is not None
        tallies.append(await process_inbox_item(rt, received.item_id))

    assert [t.deleted for t in tallies] == [0, 1]
    with _session(engine) as session:
        live = set(session.scalars(select(Link.remote_id).where(
            Link.deleted_at.is_(None), Link.entity == Entity.task)))
    assert live == {str(alive["id"])}
    await rt.aclose()


@pytest.mark.anyio
async def test_a_first_sync_counts_per_entity_with_progress(
        engine: Engine, sandbox: JiraSandbox, sandbox_server: RunningServer) -> None:
    setup = _setup(sandbox_server.url, webhooks=False)
    config = setup.config.model_copy(update={"connectors": {
        **setup.config.connectors,
        "rd-jira": jira_config(sandbox_server.url, page_size=10,
                               poll=PollConfig(every=timedelta(minutes=10)))}})
    rt = Runtime(config, setup.registry, engine)
    people = [f"dev{n}@example.com" for n in range(3)]
    for email in people:
        sandbox.add_user(email, email.split("@")[0].title())
    for n in range(25):
        sandbox.create_issue("RD", f"Task {n}", assignee=people[n % 3])
    seen: list[tuple[int, int, str]] = []

    def on_page(page: PollPage, _: object) -> None:
        if page.progress is not None:
            seen.append((page.progress.done, page.progress.total, page.progress.unit))

    tally = await poll_connector(rt, "rd-jira", on_page=on_page)
    await rt.aclose()

    # Assignees first met on an issue, then read as Jira users, are new people: not "updated".
    assert tally.by_entity["person"] == {"created": 3}
    assert tally.by_entity["task"] == {"created": 25}
    assert tally.updated == 0
    assert seen[-1] == (25, 25, "issues")  # Jira's count of the search: a bar with a total
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
