"""HTTP access to BambooHR's public API: the API key as the Basic-auth user name, JSON asked
for explicitly (BambooHR answers XML otherwise), and its reasons taken from the
`X-BambooHR-Error-Message` header (error answers usually have no body)."""

from __future__ import annotations

import httpx

from connectors.hr.config import BambooHRConfig
from hub.sdk.http import ToolClient

API = "/api/v1"


class BambooHRClient(ToolClient):
    """One company's API."""

    def __init__(self, config: BambooHRConfig,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(config.base_url, name="bamboohr",
                         auth=httpx.BasicAuth(config.api_key.get_secret_value(), "x"),
                         headers={"Accept": "application/json"},
                         timeout=config.timeout.total_seconds(), concurrency=config.concurrency,
                         max_retries=config.max_retries, verify=config.verify_tls,
                         transport=transport)

    def describe(self, response: httpx.Response) -> str:
        reason = response.headers.get("x-bamboohr-error-message")
        if reason:
            return str(reason)
        try:
            body = response.json()
        except ValueError:
            return response.text[:300] or response.reason_phrase
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("error", e)) if isinstance(e, dict) else str(e)
                             for e in errors)
        return str(body)[:300] or response.reason_phrase
