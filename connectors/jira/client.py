"""HTTP access to Jira Cloud's REST API v3: auth, Jira's error bodies, search pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from connectors.jira.config import JiraConfig
from hub.sdk.http import ToolClient, json_of

API = "/rest/api/3"


class JiraClient(ToolClient):
    """Basic auth with e-mail and API token; errors carry Jira's `errorMessages`/`errors`."""

    def __init__(self, config: JiraConfig, transport: httpx.AsyncBaseTransport | None = None):
        super().__init__(config.base_url, name="jira",
                         auth=httpx.BasicAuth(config.email, config.api_token.get_secret_value()),
                         headers={"Accept": "application/json"},
                         timeout=config.timeout.total_seconds(), concurrency=config.concurrency,
                         max_retries=config.max_retries, verify=config.verify_tls,
                         transport=transport)

    def describe(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return response.text[:300] or response.reason_phrase
        if not isinstance(body, dict):
            return str(body)[:300]
        parts = [str(m) for m in body.get("errorMessages") or []]
        parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
        return "; ".join(parts) or response.reason_phrase

    def field_errors(self, response: httpx.Response) -> dict[str, str]:
        try:
            body = response.json()
        except ValueError:
            return {}
        errors = body.get("errors") if isinstance(body, dict) else None
        return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
    async def count(self, jql: str) -> int:
        """Jira's estimate of how many issues match `jql` (for progress; may lag a little)."""
        answer = json_of(await self.request("POST", f"{API}/search/approximate-count",
                                            json={"jql": jql}))
        return int(answer["count"])

    async def search(self, jql: str, *, fields: Sequence[str], page_size: int,
                     expand: str | None = None,
                     properties: Sequence[str] = ()) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of issues matching `jql` (the enhanced search: nextPageToken, isLast)."""
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "maxResults": page_size,
                                    "fields": list(fields)}
            if expand:
                body["expand"] = expand
            if properties:
                body["properties"] = list(properties)
            if token:
                body["nextPageToken"] = token
            page = json_of(await self.request("POST", f"{API}/search/jql", json=body))
            yield list(page.get("issues") or [])
            token = page.get("nextPageToken")
            if page.get("isLast", True) or not token:
                return
