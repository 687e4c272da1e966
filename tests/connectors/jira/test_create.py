"""Issues the hub creates: in the task's own Jira project when Jira has it, else in
`create_project`; and a person who moves a new issue before the hub walked it to its status
keeps theirs."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import pytest

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.errors import Permanent
from hub.sdk.connector import RemoteRecord
from hub.testing.server import serve
from tests.connectors.conftest import FakeClock
from tests.connectors.jira.drivers import jira_config

pytestmark = pytest.mark.anyio
HUB_ID = "01HUBID0000000000000000042"


async def _create(app: Any, values: dict[str, Any], **config: Any) -> RemoteRecord:
    """One issue created by a connector of the Jira `app`, served for the call."""
    with serve(app) as server:
        jira = JiraConnector("rd-jira", jira_config(server.url, **config))
        try:
            return await jira.create("issue", HUB_ID, values)
        finally:
            await jira.aclose()


@pytest.mark.parametrize(("project", "lands_in"), [("LAUNCH", "LAUNCH"), ("WEB", "RD"),
                                                   (None, "RD")])
async def test_a_new_issue_goes_to_its_tasks_project_if_jira_has_it(
        sandbox: JiraSandbox, project: str | None, lands_in: str) -> None:
    values: dict[str, Any] = {"fields.summary": "Kickoff with the customer"}
    if project:
        values["fields.project.key"] = project  # WEB: an Asana project, not Jira's
    created = await _create(sandbox.app, values, create_project="RD")
    assert created.payload["fields"]["project"]["key"] == lands_in
    assert sandbox.issue(created.payload["key"])["fields"]["summary"] == values["fields.summary"]


async def test_without_create_project_an_unknown_project_is_refused_by_name(
        sandbox: JiraSandbox) -> None:
    with pytest.raises(Permanent, match="the task's project WEB is no Jira project"):
        await _create(sandbox.app, {"fields.summary": "Stray", "fields.project.key": "WEB"},
                      create_project=None)


async def test_a_person_who_moves_a_new_issue_first_keeps_their_status(
        sandbox: JiraSandbox, clock: FakeClock) -> None:
    """Ann moves the issue to Done in the moment between the hub's create and its walk to
    In Progress: her change is the newer one, and the hub reads it back instead of undoing
    it."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) != (
                "POST", "/rest/api/3/issue"):
            await sandbox.app(scope, receive, send)
            return
        answer: list[MutableMapping[str, Any]] = []

        async def keep(message: MutableMapping[str, Any]) -> None:
            answer.append(message)

        await sandbox.app(scope, receive, keep)
        body = b"".join(m.get("body", b"") for m in answer if m["type"] == "http.response.body")
        clock.now += 1
        sandbox.transition(json.loads(body)["key"], "Done", actor="ann.lee@example.com")
        for message in answer:
            await send(message)

    created = await _create(app, {"fields.summary": "Kickoff",
                                    "fields.status.name": "In Progress"})
    key = created.payload["key"]
    assert sandbox.issue(key)["fields"]["status"]["name"] == "Done"
    assert created.payload["fields"]["status"]["name"] == "Done"  # read back as hers


async def test_a_new_issue_nobody_touched_walks_to_its_status(sandbox: JiraSandbox) -> None:
    created = await _create(sandbox.app, {"fields.summary": "Kickoff",
                                    "fields.status.name": "In Progress"})
    assert sandbox.issue(created.payload["key"])["fields"]["status"]["name"] == "In Progress"


async def test_a_person_who_moves_a_new_issue_mid_walk_keeps_their_status(
        sandbox: JiraSandbox, clock: FakeClock) -> None:
    """The hub walks a new issue To Do -> In Progress -> In Review; after its first step Ann
    moves it to Done: the walk stops there instead of dragging it back."""
    moved: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await sandbox.app(scope, receive, send)
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and scope["method"] == "POST" and not moved \
                and path.endswith("/transitions"):
            key = path.split("/")[-2]
            clock.now += 1
            sandbox.transition(key, "Done", actor="ann.lee@example.com")
            moved.append(key)

    created = await _create(app, {"fields.summary": "Kickoff",
                                    "fields.status.name": "In Review"})
    assert moved == [created.payload["key"]]
    assert sandbox.issue(moved[0])["fields"]["status"]["name"] == "Done"
    assert created.payload["fields"]["status"]["name"] == "Done"
