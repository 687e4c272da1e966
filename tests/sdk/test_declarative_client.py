"""The HTTP side of declared connectors, each paging style and sign-in over a scripted tool
(httpx's mock transport: edge cases a sandbox needn't have): pages end where the tool says,
tokens are fetched once and renewed on a 401, a rotated refresh token is kept, and a GraphQL
budget error says when to retry."""

from __future__ import annotations

import itertools
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hub.errors import Retriable
from hub.sdk.declarative import manifest as m
from hub.sdk.declarative.client import DeclaredClient
from hub.sdk.declarative.factory import config_model

pytestmark = pytest.mark.anyio
ITEMS = [{"id": str(n)} for n in range(1, 6)]


def _client(handler: Callable[[httpx.Request], httpx.Response], auth: dict[str, Any],
            api: dict[str, Any] | None = None) -> DeclaredClient:
    manifest = m.Manifest.model_validate({
        "kind": "tool", "settings": {"secret": {"type": "secret"}},
        "api": {"base_url": "https://tool.example/api", "auth": auth, **(api or {})},
        "check": {"call": {"path": "/me"}}, "records": {}})
    config = config_model(manifest).model_validate({"secret": SecretStr("s3cret")})
    return DeclaredClient(manifest, config, {"config": config},
                          transport=httpx.MockTransport(handler))


async def _all(client: DeclaredClient, paging: dict[str, Any], records: str = "") -> list[str]:
    call = m.Call.model_validate({"path": "/items", "records": records, "paging": paging})
    return [str(r["id"]) async for page in client.pages(call, {}) for r in page]


BEARER = {"type": "bearer", "token": "{config.secret}"}


@pytest.mark.parametrize(("paging", "answer"), [
    ({"type": "page", "size": 2},
     lambda q: {"items": ITEMS[(int(q["page"]) - 1) * 2:int(q["page"]) * 2]}),
    ({"type": "offset", "size": 2},
     lambda q: {"items": ITEMS[int(q["offset"]):int(q["offset"]) + 2]}),
    ({"type": "cursor", "cursor": "next_page.offset", "param": "offset", "size": 2},
     lambda q: {"items": ITEMS[int(q.get("offset", 0)):int(q.get("offset", 0)) + 2],
                "next_page": {"offset": str(int(q.get("offset", 0)) + 2)}
                if int(q.get("offset", 0)) + 2 < 5 else None}),
    ({"type": "before", "size": 2},
     lambda q: {"items": [i for i in ITEMS[::-1] if int(i["id"]) < int(q.get("before", 9))][:2]}),
])
async def test_each_paging_style_reads_everything_once(paging: dict[str, Any],
                                                       answer: Callable[..., Any]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer s3cret"
        return httpx.Response(200, json=answer(dict(request.url.params)))

    found = await _all(_client(handler, BEARER), paging, records="items")
    assert sorted(found) == ["1", "2", "3", "4", "5"]


async def test_next_urls_and_link_headers_are_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("p", 1))
        link = {"link": f'<https://tool.example/api/items?p={page + 1}>; rel="next"'} \
            if page < 3 else {}
        return httpx.Response(200, json={"data": [{"id": page}],
                                         "next": f"/items?p={page + 1}" if page < 3 else None},
                              headers=link)

    client = _client(handler, {"type": "api_key", "query": {"key": "{config.secret}"}})
    assert await _all(client, {"type": "next_url", "next": "next"}, "data") == ["1", "2", "3"]
    assert await _all(client, {"type": "link_header"}, "data") == ["1", "2", "3"]


async def test_a_graphql_cursor_moves_to_the_follow_up_query() -> None:
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        queries.append(body["query"])
        if "next_items_page" in body["query"]:
            return httpx.Response(200, json={"data": {"next_items_page": {
                "cursor": None, "items": [{"id": "3"}]}}})
        return httpx.Response(200, json={"data": {"boards": [{"items_page": {
            "cursor": "c1", "items": [{"id": "1"}, {"id": "2"}]}}]}})

    client = _client(handler, BEARER | {"scheme": ""}, {"type": "graphql", "endpoint": "/v2"})
    call = m.Call.model_validate({
        "query": "query { boards { items_page { cursor items { id } } } }",
        "records": "boards[0].items_page.items",
        "paging": {"type": "graphql", "cursor": "boards[0].items_page.cursor",
                   "next_query": "query ($cursor: String!) { next_items_page(cursor: $cursor) "
                                 "{ cursor items { id } } }",
                   "next_records": "next_items_page.items",
                   "next_cursor": "next_items_page.cursor"}})
    found = [r["id"] async for page in client.pages(call, {}) for r in page]
    assert found == ["1", "2", "3"]
    assert "next_items_page" in queries[1]


async def test_a_graphql_budget_error_says_when_to_retry() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"errors": [{
            "message": "Complexity budget exhausted, reset in 17 seconds"}]})

    client = _client(handler, BEARER, {"type": "graphql", "endpoint": "/v2", "rate_limit": {
        "retry_after_in_error": r"reset in (\d+) seconds"}})
    with pytest.raises(Retriable) as info:
        await client.call(m.Call(query="query { me { id } }"), {})
    assert info.value.retry_after == 17


async def test_oauth_refresh_keeps_a_rotated_token(tmp_path: Path) -> None:
    grants: list[dict[str, str]] = []
    tokens = (f"rotated-{n}" for n in itertools.count(1))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            form = dict(httpx.QueryParams(request.content.decode()))
            grants.append(form)
            return httpx.Response(200, json={"access_token": f"at-{len(grants)}",
                                             "refresh_token": next(tokens), "expires_in": 3600})
        if request.headers["authorization"] == "Bearer at-1" and len(grants) == 1:
            return httpx.Response(401)  # revoked early: one fresh token, one retry
        return httpx.Response(200, json={"ok": request.headers["authorization"]})

    auth = {"type": "oauth2", "grant": "refresh_token", "token_url":
            "https://tool.example/oauth/token", "client_id": "app", "client_secret":
            "{config.secret}", "refresh_token": "first-refresh",
            "token_file": str(tmp_path / "tool.token")}
    answer, _ = await _client(handler, auth).call(m.Call(path="/me"), {})

    assert answer == {"ok": "Bearer at-2"}
    assert [g["refresh_token"] for g in grants] == ["first-refresh", "rotated-1"]
    kept = tmp_path / "tool.token"
    assert json.loads(kept.read_text())["refresh_token"] == "rotated-2"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The next start trades the kept token, not the configured one (used up by now).
    grants.clear()
    await _client(handler, auth).call(m.Call(path="/me"), {})
    assert grants[0]["refresh_token"] == "rotated-2"


async def test_an_app_secret_is_traded_for_a_tenant_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tenant_access_token/internal"):
            assert json.loads(request.content) == {"app_id": "cli_1", "app_secret": "s3cret"}
            return httpx.Response(200, json={"code": 0, "tenant_access_token": "t-1",
                                             "expire": 7200})
        return httpx.Response(200, json={"auth": request.headers["authorization"]})

    auth = {"type": "tenant_token",
            "url": "https://open.feishu.example/auth/v3/tenant_access_token/internal",
            "body": {"app_id": "cli_1", "app_secret": "{config.secret}"}}
    answer, _ = await _client(handler, auth).call(m.Call(path="/tasks"), {})
    assert answer == {"auth": "Bearer t-1"}


async def test_basic_auth_and_reset_headers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Basic ")
        return httpx.Response(429, headers={"X-Rate-Reset-In": "40"})

    client = _client(handler, {"type": "basic", "username": "u", "password": "{config.secret}"},
                     {"rate_limit": {"retry_after_headers": ["X-Rate-Reset-In"]}})
    with pytest.raises(Retriable) as info:
        await client.call(m.Call(path="/me"), {})
    assert info.value.retry_after == 40
