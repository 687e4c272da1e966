"""HTTP access to Asana's REST API: bearer token, `{"data": ...}` envelopes, offset paging,
and Asana's error bodies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from connectors.asana.config import AsanaConfig
from hub.sdk.http import ToolClient, json_of

API = "/api/1.0"


class SyncTokenExpired(Exception):
    """The events API answered 412: read everything again; `sync` is the token to go on with."""

    def __init__(self, sync: str) -> None:
        super().__init__("Asana sync token missing or too old")
        self.sync = sync


class AsanaClient(ToolClient):
    """Bearer auth; errors carry Asana's `errors[].message`."""

    def __init__(self, config: AsanaConfig, transport: httpx.AsyncBaseTransport | None = None):
        super().__init__(config.base_url, name="asana",
                         headers={"Authorization": f"Bearer {config.token.get_secret_value()}",
                                  "Accept": "application/json"},
                         timeout=config.timeout.total_seconds(), concurrency=config.concurrency,
                         max_retries=config.max_retries, per_minute=config.per_minute,
                         transport=transport)

    def describe(self, response: httpx.Response) -> str:
        try:
            body = json_of(response)
        except ValueError:
            return response.text[:300] or response.reason_phrase
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            return "; ".join(str(e.get("message", e)) for e in errors)
        return response.reason_phrase

    def field_errors(self, response: httpx.Response) -> dict[str, str]:
        # Asana names the field first: "assignee: Not a recognized ID: ..."
        try:
            body = json_of(response)
        except ValueError:
            return {}
        out: dict[str, str] = {}
        for error in (body.get("errors") if isinstance(body, dict) else None) or []:
            message = str(error.get("message", "")) if isinstance(error, dict) else ""
            name, colon, _ = message.partition(":")
            if colon and re.fullmatch(r"[a-z_][a-z0-9_.]*", name):
                out[name] = message
        return out

    async def data(self, method: str, path: str, *, params: Any = None,
                   body: Any = None) -> Any:
        """The `data` of an answer (the envelope unwrapped)."""
        json_body = {"data": body} if body is not None else None
        response = await self.request(method, f"{API}{path}", params=params, json=json_body)
        return response.json().get("data") if response.content else None

    async def pages(self, path: str, params: Mapping[str, Any],
                    limit: int) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of a list endpoint, following `next_page.offset`."""
        query = {**params, "limit": limit}
        while True:
            answer = json_of(await self.request("GET", f"{API}{path}", params=query))
            yield list(answer.get("data") or [])
            following = answer.get("next_page")
            if not following or not following.get("offset"):
                return
            query = {**query, "offset": following["offset"]}

    async def events(self, resource: str, sync: str | None) -> tuple[list[dict[str, Any]], str,
                                                                     bool]:
        """(events, next sync token, has_more) for `resource`; SyncTokenExpired on 412."""
        params = {"resource": resource, **({"sync": sync} if sync else {})}
        if self._limit is not None:
            await self._limit.take()
        async with self._gate:
            self.calls += 1
            response = await self.http.get(f"{API}/events", params=params)
        if response.status_code == 412:
            raise SyncTokenExpired(str(response.json().get("sync", "")))
        if response.status_code >= 400:  # the shared retry path decides what this means
            response = await self.request("GET", f"{API}/events", params=params)
        body = json_of(response)
        return list(body.get("data") or []), str(body.get("sync", "")), bool(body.get("has_more"))
