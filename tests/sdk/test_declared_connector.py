"""A declared connector against a small tool built on the sandbox kit, over real HTTP: a full
poll lists everything, the next reads only what changed since (minus the lookback, in the
format the tool wants), a deletion found by fetch is a tombstone, and the handshakes a
manifest names are answered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import APIRouter, Request
from pydantic import SecretStr

from hub.sdk.declarative import declare
from hub.sdk.declarative.connector import DeclaredConnector
from hub.testing.conformance import poll_all
from hub.testing.kit import TokenHeader, ToolSandbox, iso
from hub.testing.server import serve
from tests.sdk.test_declarative_manifest import GOOD

pytestmark = pytest.mark.anyio


class TicketTool(ToolSandbox):
    """Tickets with `updated_since` (ISO) and a page parameter."""

    title: ClassVar[str] = "Tickets"
    id_style = "numeric"

    def __init__(self, **kit: Any) -> None:
        super().__init__(**kit)
        self.tickets = self.collection("tickets")
        self.asked: list[dict[str, str]] = []

    def authentication(self) -> TokenHeader:
        return TokenHeader({"t0ken": "hub"})

    def routes(self, api: APIRouter) -> None:
        @api.get("/api/projects/{project}/tickets")
        async def tickets(project: str, request: Request) -> Any:
            self.asked.append(dict(request.query_params))
            since = request.query_params.get("updated_since")
            rows = [{**t, "updated_at": iso(self.tickets.updated(t["id"]))} for t in self.tickets]
            if since:
                start = datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp()
                rows = [r for r in rows if self.tickets.updated(r["id"]) >= start]
            page = int(request.query_params.get("page", 1))
            return rows[(page - 1) * 50:page * 50]

        @api.get("/api/me")
        async def me() -> Any:
            return {"name": "Hub"}


@pytest.fixture
def tool(tmp_path: Path) -> Iterator[tuple[TicketTool, type[DeclaredConnector], str]]:
    sandbox = TicketTool(clock=lambda: 1_800_000_000.0)
    with serve(sandbox.app) as server:
        source = tmp_path / "tickets.yaml"
        source.write_text(GOOD.replace("https://tickets.example/api", f"{server.url}/api"))
        yield sandbox, declare(source), server.url


async def test_polls_read_only_what_changed_since(
        tool: tuple[TicketTool, type[DeclaredConnector], str]) -> None:
    sandbox, cls, _ = tool
    settings = {"token": SecretStr("t0ken"), "project": "OPS"}
    connector = cls("ops", cls.config_model.model_validate(settings))
    sandbox.tickets.add({"title": "Printer on fire"})
    sandbox.clock = lambda: 1_800_000_600.0  # ten minutes later
    sandbox.tickets.clock = sandbox.clock
    second = sandbox.tickets.add({"title": "Badge reader"})

    records, cursor = await poll_all(connector, None)
    assert sorted(r.payload["title"] for r in records) == ["Badge reader", "Printer on fire"]
    sandbox.tickets.update(second["id"], {"title": "Badge reader, floor 2"})
    later, _ = await poll_all(connector, cursor)

    assert [r.payload["title"] for r in later] == ["Badge reader, floor 2"]
    newest = datetime.fromisoformat(json.loads(str(cursor))["since"]["ticket"])
    # Two minutes of lookback, written as the tool takes it.
    expected = datetime.fromtimestamp(newest.timestamp() - 120, UTC)
    assert sandbox.asked[-1]["updated_since"] == expected.isoformat().replace("+00:00", "Z")
    assert (await connector.check()).detail == "Hub"
    await connector.aclose()


def test_handshakes_are_answered_as_the_manifest_says(
        tool: tuple[TicketTool, type[DeclaredConnector], str]) -> None:
    _, cls, _ = tool
    echoing = type("Echoing", (cls,), {"manifest": cls.manifest.model_copy(update={
        "webhooks": cls.manifest.model_validate({**json.loads(cls.manifest.model_dump_json()),
                                                 "webhooks": {
            "signature": {"type": "jwt"}, "handshake": "challenge",
            "record_types": {"update": "ticket"}, "record_id": "id"}}).webhooks})})
    settings = {"token": SecretStr("t"), "project": "OPS"}
    connector = echoing("ops", cls.config_model.model_validate(settings))

    assert connector.challenge(b'{"challenge": "abc"}') == b'{"challenge": "abc"}'
    assert connector.challenge(b'{"event": {"id": 1}}') is None
    assert connector.handshake({"X-Hook-Secret": "s"}) is None  # not this tool's handshake
