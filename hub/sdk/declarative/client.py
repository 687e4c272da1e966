"""The HTTP side of a declared connector: its calls (REST or GraphQL) through the shared
`ToolClient` (retries, `Retry-After`, a call budget), and each paging style as one loop."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from hub.errors import AuthenticationFailed, Permanent, Retriable
from hub.sdk.config import ConnectorConfig
from hub.sdk.declarative import manifest as m
from hub.sdk.declarative.auth import build_auth
from hub.sdk.declarative.values import pick, render
from hub.sdk.http import ToolClient, json_of, retry_after

_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class DeclaredClient(ToolClient):
    """A `ToolClient` configured by the manifest's `api:`."""

    def __init__(self, manifest: m.Manifest, config: ConnectorConfig,
                 context: Mapping[str, Any],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        api = manifest.api
        self.api, self.context = api, context
        super().__init__(render(api.base_url, context), name=manifest.kind,
                         auth=build_auth(api.auth, context),
                         headers={"Accept": "application/json", **render(api.headers, context)},
                         timeout=config.timeout.total_seconds(), concurrency=config.concurrency,
                         per_minute=api.rate_limit.per_minute, transport=transport)

    def describe(self, response: httpx.Response) -> str:
        if self.api.error_message:
            try:
                said = pick(json_of(response), self.api.error_message)
            except ValueError:
                said = None
            if said:
                return str(said)
        return super().describe(response)

    def wait_hint(self, response: httpx.Response) -> float | None:
        limits = self.api.rate_limit
        for name in limits.retry_after_headers:
            if name.lower() == "retry-after" and (found := retry_after(response)) is not None:
                return found
            value = response.headers.get(name)
            if value and value.replace(".", "", 1).isdigit():
                return float(value)
        for name in limits.reset_headers:
            value = response.headers.get(name)
            if value and value.replace(".", "", 1).isdigit():
                return max(0.0, float(value) - time.time())
        return None

    async def call(self, call: m.Call, context: Mapping[str, Any], *,
                   params: Mapping[str, Any] | None = None,
                   variables: Mapping[str, Any] | None = None,
                   path: str | None = None) -> tuple[Any, httpx.Response]:
        """One request as `call` describes it (its references filled from `context`); the
        decoded answer (GraphQL: its `data`) and the response."""
        if self.api.type == "graphql":  # parameters are variables here
            document = {"query": call.query or "",
                        "variables": {**render(call.variables, context), **(params or {}),
                                      **(variables or {})}}
            response = await self.request("POST", render(self.api.endpoint, context) or "/",
                                          json=document)
            return self._graphql(json_of(response)), response
        query = {**render(call.params, context), **(params or {})}
        body = render(call.body, context) if call.body is not None else None
        sent = {k: v for k, v in query.items() if v is not None}
        # No params at all (not {}): httpx would drop the query of a next-page URL.
        response = await self.request(call.method, path or render(call.path, context),
                                      params=sent or None, json=body)
        return (json_of(response) if response.content else None), response

    def _graphql(self, answer: Any) -> Any:
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if not errors:
            return answer.get("data") if isinstance(answer, dict) else answer
        message = "; ".join(str(e.get("message", e)) for e in errors)
        pattern = self.api.rate_limit.retry_after_in_error
        found = re.search(pattern, message) if pattern else None
        if found:
            raise Retriable(f"{self.name}: {message}", retry_after=float(found.group(1)))
        codes = {str((e.get("extensions") or {}).get("code", "")) for e in errors}
        if codes & {"UNAUTHENTICATED", "Unauthorized", "USER_UNAUTHORIZED"}:
            raise AuthenticationFailed(f"{self.name}: {message}", status=401)
        raise Permanent(f"{self.name}: {message}", status=400)

    async def pages(self, call: m.Call, context: Mapping[str, Any],
                    params: Mapping[str, Any] | None = None) -> AsyncIterator[list[Any]]:
        """The records of every page of a listing, page by page."""
        paging, extra = call.paging, dict(params or {})
        if isinstance(paging, m.PagePaging | m.OffsetPaging | m.CursorPaging | m.BeforePaging) \
                and paging.size_param:
            extra[paging.size_param] = paging.size
        position: Any = paging.start if isinstance(paging, m.PagePaging) else 0
        path: str | None = None
        variables: dict[str, Any] = {}
        first = True
        while True:
            if isinstance(paging, m.PagePaging | m.OffsetPaging):
                extra[paging.param] = position
            answer, response = await self.call(
                call if first or not isinstance(paging, m.GraphqlPaging) or not paging.next_query
                else call.model_copy(update={"query": paging.next_query}),
                context, params=extra, variables=variables, path=path)
            records_path = call.records if first or not isinstance(paging, m.GraphqlPaging) \
                else paging.next_records or call.records
            found = pick(answer, records_path, [])
            records = found if isinstance(found, list) else [found]
            yield records
            following = self._next(paging, answer, response, records, first)
            if following is None or not records:
                return
            first = False
            if isinstance(paging, m.PagePaging):
                position += 1
            elif isinstance(paging, m.OffsetPaging):
                position += len(records)
            elif isinstance(paging, m.CursorPaging | m.BeforePaging):
                extra[paging.param] = following
            elif isinstance(paging, m.GraphqlPaging):
                variables = {paging.variable: following}
            else:
                path, extra = str(following), {}

    def _next(self, paging: Any, answer: Any, response: httpx.Response, records: list[Any],
              first: bool) -> Any:
        """Where the next page starts, or None after the last."""
        if isinstance(paging, m.PagePaging | m.OffsetPaging):
            return True if len(records) >= paging.size else None
        if isinstance(paging, m.CursorPaging):
            return pick(answer, paging.cursor) or None
        if isinstance(paging, m.NextUrlPaging):
            return pick(answer, paging.next) or None
        if isinstance(paging, m.LinkHeaderPaging):
            found = _LINK_NEXT.search(response.headers.get("link", ""))
            return found.group(1) if found else None
        if isinstance(paging, m.BeforePaging):
            return pick(records[-1], paging.id) if records and len(records) >= paging.size \
                else None
        if isinstance(paging, m.GraphqlPaging):
            where = paging.cursor if first else (paging.next_cursor or paging.cursor)
            return pick(answer, where) or None
        return None
