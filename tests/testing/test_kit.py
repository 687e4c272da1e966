"""The sandbox kit: records with ids in a tool's style, a feed read as tools read theirs,
cursors that expire, writes sent as query parameters, webhooks checked before they exist and
signed as the tool signs them, and answers checked against an OpenAPI description."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, Request

from hub.sdk.connector import WebhookRejected
from hub.sdk.signatures import HmacSignature, JwtSignature
from hub.testing.kit import (
    Collection,
    CursorExpired,
    Cursors,
    EventLog,
    Hook,
    Ids,
    TokenHeader,
    ToolError,
    ToolSandbox,
    query_values,
)
from hub.testing.kit.openapi import OpenApiSpec, SpecRecorder
from hub.testing.server import serve
from tests.connectors.conftest import Receiver

SIGNED = HmacSignature("X-Sig", "sha256", "hex", parts=("body", "url"), prefix="sha256=")


def test_ids_come_in_the_tools_style() -> None:
    hex24, numeric = Ids("hex24", clock=lambda: 1_800_000_000.0), Ids("numeric", start=7)

    assert [len(hex24()), len(hex24())] == [24, 24]
    assert hex24() < hex24()  # later ids sort after earlier ones, as Trello's do
    assert [numeric(), numeric()] == ["7", "8"]


def test_a_collection_keeps_times_and_tombstones() -> None:
    now = [100.0]
    cards = Collection("cards", Ids("numeric"), lambda: now[0])
    card = cards.add({"name": "Poster", "owner": "Ana@Acme.example"})
    old = cards.update(card["id"], {"name": "Poster v2", "owner": "Ana@Acme.example"})

    assert old == {"name": "Poster"}
    assert cards.updated(card["id"]) > 100.0  # same tick, later change: still ordered
    assert cards.find(owner="ana@acme.example") is card
    cards.delete(card["id"])
    assert cards.get(card["id"]) is None
    assert len(cards) == 0


def test_the_feed_reads_newest_first_since_an_event() -> None:
    log = EventLog(Ids("numeric"), lambda: 0.0)
    first = log.append("createCard", {})
    log.append("updateCard", {})
    log.append("commentCard", {})
    last = log.append("updateCard", {})

    page = log.feed({"since": first.id, "filter": "updateCard,createCard", "limit": "5"})

    assert [e.type for e in page] == ["updateCard", "updateCard"]
    assert page[0] is last


def test_cursors_page_and_expire() -> None:
    now = [0.0]
    cursors = Cursors(ttl=60, clock=lambda: now[0])
    page, cursor = cursors.first(list(range(5)), 2)
    assert page == [0, 1]
    assert cursor is not None
    page, cursor = cursors.next(cursor, 2)
    assert page == [2, 3]
    now[0] = 61.0
    with pytest.raises(CursorExpired):
        cursors.next(str(cursor), 2)


def test_writes_as_query_parameters_are_typed() -> None:
    values = query_values({"idMembers": "a,b", "closed": "true", "due": "null", "x": "1"},
                          ("idMembers", "closed", "due"), lists=("idMembers",),
                          flags=("closed",), nullable=("due",))

    assert values == {"idMembers": ["a", "b"], "closed": True, "due": None}


def test_hmac_signatures_cover_what_the_tool_signs() -> None:
    headers = SIGNED.sign("s3cret", b'{"a":1}', url="https://hub/webhooks/t")

    SIGNED.verify(["other", "s3cret"], headers, b'{"a":1}', url="https://hub/webhooks/t")
    with pytest.raises(WebhookRejected, match="invalid X-Sig"):
        SIGNED.verify(["s3cret"], headers, b'{"a":1}', url="https://elsewhere/webhooks/t")
    with pytest.raises(WebhookRejected, match="missing X-Sig"):
        SIGNED.verify(["s3cret"], {}, b'{"a":1}')


def test_a_stale_timestamp_is_a_replay() -> None:
    stamped = HmacSignature("X-Sig", timestamp_header="X-Time", parts=("body", "timestamp"))
    headers = stamped.sign("k", b"{}", timestamp="1000")

    stamped.verify(["k"], headers, b"{}", tolerance=300, now=1100)
    with pytest.raises(WebhookRejected, match="a replay"):
        stamped.verify(["k"], headers, b"{}", tolerance=300, now=2000)


def test_jwt_deliveries_are_verified_with_the_signing_secret() -> None:
    scheme, secret = JwtSignature(), "monday-app-signing-secret-0123456789"
    headers = scheme.sign(secret, {"shortLivedToken": "x"})

    assert scheme.verify([secret], headers)["shortLivedToken"] == "x"
    with pytest.raises(WebhookRejected, match="signature does not match"):
        scheme.verify(["another-app-signing-secret-0123456789"], headers)


class NoteSandbox(ToolSandbox):
    """A tiny tool: notes, a bearer token, webhooks checked with a challenge."""

    title: ClassVar[str] = "Notes"
    not_found: ClassVar[str] = "no such note"

    def __init__(self, **kit: Any) -> None:
        super().__init__(**kit)
        self.notes = self.collection("notes")

    def authentication(self) -> TokenHeader:
        return TokenHeader({"t0ken": "hub"})

    def sign_delivery(self, hook: Hook, body: bytes) -> dict[str, str]:
        return SIGNED.sign("hook-secret", body, url=hook.url)

    def routes(self, api: APIRouter) -> None:
        @api.get("/notes/{note_id}")
        async def note(note_id: str) -> Any:
            return self.one(self.notes, id=note_id)

        @api.post("/hooks")
        async def hook(request: Request) -> Any:
            body = await request.json()
            made = await self.register_hook(body["url"], "notes", check="challenge")
            return {"id": made.id}


def test_a_kit_sandbox_serves_checks_and_signs(receiver: Callable[..., Receiver]) -> None:
    sandbox = NoteSandbox()
    note = sandbox.notes.add({"text": "hello"})
    target = receiver()
    with serve(sandbox.app) as server, httpx.Client(base_url=server.url) as http:
        auth = {"Authorization": "Bearer t0ken"}
        assert http.get(f"/notes/{note['id']}", headers=auth).json()["text"] == "hello"
        assert http.get("/notes/1").status_code == 401
        assert http.get("/notes/nope", headers=auth).json() == {"message": "no such note"}
        sandbox.faults.fail_next(1, 503)
        assert http.get(f"/notes/{note['id']}", headers=auth).status_code == 503
        refused = http.post("/hooks", json={"url": target.url}, headers=auth)
        # The receiver doesn't echo challenges: the tool refuses to create the webhook.
        assert refused.status_code == 400
        assert "did not echo the challenge" in refused.json()["message"]
    assert sandbox.calls["GET /notes/{note_id}"] == 4


def test_answers_are_checked_against_the_description(tmp_path: Path) -> None:
    spec_file = tmp_path / "notes.json"
    spec_file.write_text(json.dumps({"openapi": "3.0.0", "paths": {"/notes/{id}": {"get": {
        "parameters": [{"name": "fields", "in": "query"}],
        "responses": {"200": {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Note"}}}}}}}},
        "components": {"schemas": {"Note": {"type": "object", "required": ["id", "text"],
                                            "properties": {"text": {"type": "string",
                                                                    "nullable": True}}}}}}))
    sandbox = NoteSandbox()
    good = sandbox.notes.add({"text": None})
    bad = sandbox.notes.add({"body": "no text"})
    recorder = SpecRecorder(sandbox.app, OpenApiSpec.load(spec_file))
    with serve(recorder) as server, httpx.Client(base_url=server.url,
                                                  headers={"Authorization": "Bearer t0ken"}) as h:
        h.get(f"/notes/{good['id']}", params={"fields": "text"})
        assert recorder.violations == []
        h.get(f"/notes/{bad['id']}", params={"colour": "red"})

    assert recorder.violations == [
        "GET /notes/{id}: query parameter 'colour' is not in the description",
        "GET /notes/{id} 200: at top: \"text\" is a required property"]


def test_a_tool_error_answers_in_the_tools_words() -> None:
    assert ToolError(404, "gone").response().body == b"gone"
    assert ToolError(400, {"errors": ["x"]}).response().media_type == "application/json"
