"""Scaled out for real: two `hub serve --no-workers` processes and three `hub worker` processes
on one PostgreSQL, between the Jira and Asana sandboxes with mirror rules both ways. People
edit in both tools and through the API, Jira's webhooks go to one API process and Asana's to
the other, and a random worker is killed with `kill -9` five times along the way.

After the edits stop and the hub settles: every tool holds the canonical values, nothing exists
twice in any tool, no intent or delivery is left, and no connector was ever polled by two
processes at once (from `job_run`, the workers' record of what they ran, and the kill times).
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, text

from connectors.asana.sandbox import AsanaSandbox
from connectors.jira.sandbox import JiraSandbox
from hub.auth.tokens import create_token
from hub.model.enums import Entity
from hub.store import migrate
from hub.store.auth import Role
from hub.store.db import make_engine
from hub.store.sync import InboxItem, InboxState, IntentState, Link, PushIntent
from hub.sync.records import RecordStore
from hub.testing.server import serve
from tests.conftest import BACKEND
from tests.wait import until

pytestmark = [pytest.mark.skipif(BACKEND != "postgres", reason="workers share PostgreSQL"),
              pytest.mark.timeout(300)]
HUB = str(Path(sys.executable).parent / "hub")
JIRA_SECRET = "scale-out-jira-secret"
ASANA_TOKEN = "scale-out-asana-pat"
EDITS = 90
KILLS = 5
STATUSES = {"todo": ("To Do", "To do"), "in_progress": ("In Progress", "Doing"),
            "done": ("Done", "Done")}  # canonical -> (Jira, Asana)

CONFIG = """
database: {{url: "{url}"}}
server: {{public_url: "{public}"}}
runner: queue
queue: {{concurrency: 4, heartbeat: 1s, stalled_after: 4s, sweep_every: 1s, poll_interval: 500ms}}
logging: {{level: warning}}
connectors:
  rd-jira:
    kind: jira
    base_url: {jira}
    email: hub@example.com
    api_token: jira-token
    jql: project = RD
    create_project: RD
    concurrency: 4
    poll: {{every: 2s, overlap: 1m}}
    webhook: {{secret: {secret}}}
  mkt-asana:
    kind: asana
    base_url: {asana}
    token: {token}
    projects: ["{project}"]
    concurrency: 4
    poll: {{every: 2s}}
sync:
  entities:
    task:
      match: [custom.jira_key]
      mirror: [{{from: rd-jira, to: mkt-asana}}, {{from: mkt-asana, to: rd-jira}}]
"""


@dataclass
class Processes:
    """The hub's processes, and when each killed worker died."""

    config: Path
    logs: Path  # each process's stderr: a pipe nobody reads would stop it once it filled up
    apis: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    everyone: list[subprocess.Popen[bytes]] = field(default_factory=list)
    killed: dict[int, datetime] = field(default_factory=dict)

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        self.logs.mkdir(exist_ok=True)
        with (self.logs / f"{args[0]}-{len(self.everyone)}.log").open("wb") as log:
            proc = subprocess.Popen([HUB, *args, "-c", str(self.config)],
                                    stdout=subprocess.DEVNULL, stderr=log)
        self.everyone.append(proc)
        return proc

    def start_worker(self) -> None:
        self.workers.append(self._start("worker"))

    def start_api(self, port: int) -> None:
        self._start("serve", "--no-workers", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        until(lambda: _answers(url), f"the API process on {url} answers", within=60)
        self.apis.append(url)

    def kill_one(self, rng: random.Random) -> None:
        victim = rng.choice(self.workers)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        self.killed[victim.pid] = datetime.now(UTC)
        self.workers.remove(victim)
        self.start_worker()

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the processes wrote (for a failure's message)."""
        found = [f"{path.name}: {line}" for path in sorted(self.logs.glob("*.log"))
                 for line in path.read_text(errors="replace").splitlines()]
        return "\n".join(found[-lines:])

    def stop(self) -> None:
        for proc in self.everyone:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.everyone:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hub_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # as `hub db upgrade` before a rollout
    yield engine
    engine.dispose()


def test_two_api_processes_and_three_workers_converge_through_five_kill_9(
        hub_engine: Engine, database_url: str, tmp_path: Path) -> None:
    rng = random.Random(16)
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=16)
    jira.add_project("RD", "Research & Development")
    asana = AsanaSandbox(token=ASANA_TOKEN, seed=16)
    project = asana.add_project("Launch campaign")["gid"]
    for n in range(6):
        jira.create_issue("RD", f"Issue {n}")
        asana.create_task(project, f"Campaign task {n}")
    with serve(jira.app) as jira_server, serve(asana.app) as asana_server:
        api_ports = [_free_port(), _free_port()]
        config = tmp_path / "config.yaml"
        config.write_text(CONFIG.format(
            url=database_url, public=f"http://127.0.0.1:{api_ports[0]}", jira=jira_server.url,
            asana=asana_server.url, secret=JIRA_SECRET, token=ASANA_TOKEN, project=project))
        with hub_engine.begin() as conn:
            from sqlalchemy.orm import Session

            with Session(conn) as session:
                secret = create_token(session, Role.admin, datetime.now(UTC),
                                      name="scale-out").secret
                session.commit()
        hub = Processes(config, tmp_path / "logs")
        try:
            for port in api_ports:
                hub.start_api(port)
            # Jira's webhooks go to the second API process; Asana's to the first, which the
            # workers register it with (its handshake answered there).
            jira.register_webhook(f"{hub.apis[1]}/webhooks/rd-jira", JIRA_SECRET)
            for _ in range(3):
                hub.start_worker()
            _edit_while_killing(rng, hub, jira, asana, project, secret)
            waiting: list[str] = []

            def settled() -> bool:
                waiting[:] = [_waiting_for(hub_engine, jira, asana)]
                return not waiting[0]

            try:
                until(settled, "every tool holds the canonical values, nothing left to do",
                      within=150)
            except AssertionError as exc:
                raise AssertionError(f"{exc}; still: {waiting[0]}; the processes' last "
                                     f"words:\n{hub.log_tail()}") from None
        finally:
            hub.stop()

    _assert_no_duplicates(jira, asana, project)
    _assert_one_poll_at_a_time(hub_engine, hub.killed)
    assert len(hub.killed) == KILLS


def _edit_while_killing(rng: random.Random, hub: Processes, jira: JiraSandbox,
                        asana: AsanaSandbox, project: str, secret: str) -> None:
    kill_at = sorted(rng.sample(range(10, EDITS), KILLS))
    api = httpx.Client(headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    for step in range(EDITS):
        if kill_at and step == kill_at[0]:
            kill_at.pop(0)
            hub.kill_one(rng)
        action = rng.choice(["jira", "jira", "asana", "asana", "api", "create"])
        word = rng.choice(["alpha", "beta", "gamma", "delta"])
        if action == "jira":
            issues = list(jira.state.issues.values())
            key = rng.choice(issues).key
            if rng.random() < 0.5:
                jira.edit_issue(key, summary=f"{word} {step} (Jira)")
            else:
                jira.transition(key, rng.choice([j for j, _ in STATUSES.values()]))
        elif action == "asana":
            gid = rng.choice(list(asana.state.tasks))
            if rng.random() < 0.5:
                asana.update_task(gid, name=f"{word} {step} (Asana)")
            else:
                status = rng.choice([a for _, a in STATUSES.values()])
                asana.update_task(gid, section=status, status=status)  # as a person sets both
        elif action == "api":
            base = rng.choice(hub.apis)
            tasks = api.get(f"{base}/api/v1/tasks", params={"limit": 200}).json()["items"]
            if tasks:
                task = rng.choice(tasks)
                api.patch(f"{base}/api/v1/tasks/{task['id']}",
                          json={"title": f"{word} {step} (API)"},
                          headers={"If-Match": f'"{task["version"]}"'})
        elif rng.random() < 0.5:
            jira.create_issue("RD", f"New issue {step}")
        else:
            asana.create_task(project, f"New campaign task {step}")
        _pause(0.15)
    api.close()


def _pause(seconds: float) -> None:
    """People don't edit all at once (this paces the edits; nothing waits on the hub here)."""
    import time

    time.sleep(seconds)


def _waiting_for(engine: Engine, jira: JiraSandbox, asana: AsanaSandbox) -> str:
    """What the hub has yet to do (empty when it has settled)."""
    with engine.connect() as conn:
        pending = conn.execute(select(InboxItem.connector_id).where(
            InboxItem.state == InboxState.pending)).scalars().all()
        if pending:
            return f"{len(pending)} deliveries pending ({sorted(set(pending))})"
        intents = conn.execute(select(
            PushIntent.connector_id, PushIntent.state, PushIntent.last_error,
            PushIntent.attempts, PushIntent.create, PushIntent.next_attempt_at,
            PushIntent.record_id).where(PushIntent.state != IntentState.done)).all()
        if intents:
            return f"{len(intents)} push intents not done, e.g. {intents[:3]}"
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        links = list(session.scalars(select(Link).where(Link.deleted_at.is_(None))))
        by_record: dict[str, dict[str, str]] = {}
        for link in links:
            if link.entity is Entity.task:
                by_record.setdefault(link.record_id, {})[link.connector_id] = link.remote_id
        store = RecordStore(session)
        records = store.load(Entity.task, list(by_record))
        for record_id, remotes in by_record.items():
            if set(remotes) != {"rd-jira", "mkt-asana"}:
                return f"record {record_id} is only in {sorted(remotes)}"
            values = store.values(Entity.task, records[record_id])
            issue = jira.issue(_jira_key(jira, remotes["rd-jira"]))
            task = asana.task(remotes["mkt-asana"])
            held = (issue["fields"]["summary"], task["name"])
            if held != (values["title"], values["title"]):
                return f"record {record_id}: title {values['title']!r}, the tools hold {held}"
            if values["status"] in STATUSES:
                expected = STATUSES[values["status"]]
                held = (issue["fields"]["status"]["name"], _asana_status(task))
                if held != expected:
                    return f"record {record_id}: status {values['status']}, tools hold {held}"
    if not len(by_record) == len(jira.state.issues) == len(asana.state.tasks):
        linked = {remotes.get("mkt-asana") for remotes in by_record.values()}
        strays = [(t.gid, t.name, t.external) for t in asana.state.tasks.values()
                  if t.gid not in linked]
        return (f"{len(by_record)} records, {len(jira.state.issues)} issues, "
                f"{len(asana.state.tasks)} tasks; Asana tasks no record links: {strays[:3]}")
    return ""


def _jira_key(jira: JiraSandbox, issue_id: str) -> str:
    return next(i.key for i in jira.state.issues.values() if str(i.id) == issue_id)


def _asana_status(task: dict[str, Any]) -> str:
    """The status as the Asana connector reads it: done when completed, else the Status field,
    else the section."""
    if task.get("completed"):
        return "Done"
    for custom in task.get("custom_fields") or []:
        if custom.get("name") == "Status" and custom.get("enum_value"):
            return str(custom["enum_value"]["name"])
    memberships = task.get("memberships") or []
    return str(memberships[0]["section"]["name"]) if memberships else ""


def _assert_no_duplicates(jira: JiraSandbox, asana: AsanaSandbox, project: str) -> None:
    hub_ids = [p for i in jira.state.issues.values() for p in [i.properties.get("hub")] if p]
    assert len({str(h) for h in hub_ids}) == len(hub_ids), "an issue was created twice"
    gids = [t for t in asana.state.tasks.values()]
    external = [t.external.get("gid") for t in gids if t.external]
    assert len(set(external)) == len(external), "a task was created twice"
    assert len(jira.state.issues) == len(asana.state.tasks)


def _assert_one_poll_at_a_time(engine: Engine, killed: dict[int, datetime]) -> None:
    with engine.connect() as conn:
        runs = conn.execute(text(
            "SELECT connector_id, worker, started_at, finished_at FROM job_run "
            "WHERE kind = 'poll' ORDER BY connector_id, started_at")).all()
    assert len({worker for _, worker, _, _ in runs}) >= 3, "polls ran in one worker only"
    by_connector: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for connector_id, worker, started, finished in runs:
        pid = int(worker.rsplit(":", 1)[1])
        end = finished or killed.get(pid)
        assert end is not None, f"a poll by {worker} never ended, and it was not killed"
        by_connector.setdefault(connector_id, []).append((started, end, worker))
    for connector_id, spans in by_connector.items():
        for (_, end, worker), (start, _, other) in itertools.pairwise(spans):
            assert end <= start, (f"{connector_id} polled by {worker} and {other} at once "
                                  f"({end} > {start})")
