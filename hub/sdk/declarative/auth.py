"""The ways a declared connector signs in, as httpx auth flows: keys in headers or the query,
Basic, a bearer token, OAuth 2 (client credentials, or a refresh token, persisting a rotated
one), and an app secret traded for a tenant token (Feishu/Lark)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncGenerator, Generator, Mapping
from pathlib import Path
from typing import Any

import httpx

from hub.errors import AuthenticationFailed
from hub.sdk.declarative import manifest as m
from hub.sdk.declarative.values import pick, render


class StaticAuth(httpx.Auth):
    """Fixed headers and query parameters on every request."""

    def __init__(self, headers: Mapping[str, str], query: Mapping[str, str]) -> None:
        self.headers, self.query = dict(headers), dict(query)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers)
        if self.query:
            request.url = request.url.copy_merge_params(self.query)
        yield request


class TokenAuth(httpx.Auth):
    """A token fetched from a token endpoint, kept until it expires, fetched again on a 401."""

    requires_response_body = True

    def __init__(self, fetch: httpx.Request, read: Any, scheme: str = "Bearer") -> None:
        self._fetch, self._read, self.scheme = fetch, read, scheme
        self.token: str | None = None
        self.expires = 0.0

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response,
                                                                  None]:
        raise RuntimeError("declared connectors use async clients")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request,
                                                                               httpx.Response]:
        for attempt in range(2):
            if self.token is None or time.monotonic() >= self.expires:
                answer = yield self._fetch_request()
                await answer.aread()
                self._take(answer)
            request.headers["Authorization"] = f"{self.scheme} {self.token}".strip()
            response = yield request
            if response.status_code != 401 or attempt:
                return
            self.token = None  # revoked or expired early: one fresh token, one retry

    def _fetch_request(self) -> httpx.Request:
        return self._fetch

    def _take(self, answer: httpx.Response) -> None:
        if answer.status_code >= 400:
            raise AuthenticationFailed(f"the token endpoint refused: {answer.status_code}",
                                       status=answer.status_code)
        try:
            body = answer.json()
        except ValueError:
            raise AuthenticationFailed("the token endpoint answered no JSON") from None
        self.token, lifetime = self._read(body)
        # Renew a minute early: a token that expires in flight costs a retry.
        self.expires = time.monotonic() + max(float(lifetime or 3600) - 60, 30)


class OAuth2(TokenAuth):
    """OAuth 2 client credentials or refresh token; a rotated refresh token is written to
    `token_file` (owner-only) and read from there at the next start."""

    def __init__(self, spec: m.OAuth2Auth, context: Mapping[str, Any]) -> None:
        self.spec, self.context = spec, context
        self.file = Path(render(spec.token_file, context)) if spec.token_file else None
        self.refresh = self._stored() or (render(spec.refresh_token, context)
                                          if spec.refresh_token else None)
        super().__init__(httpx.Request("POST", render(spec.token_url, context)), self._tokens)

    def _fetch_request(self) -> httpx.Request:
        form = {"grant_type": self.spec.grant, "client_id": render(self.spec.client_id,
                                                                   self.context),
                "client_secret": render(self.spec.client_secret, self.context)}
        if self.spec.grant == "refresh_token":
            form["refresh_token"] = self.refresh or ""
        if self.spec.scopes:
            form["scope"] = " ".join(self.spec.scopes)
        return httpx.Request("POST", self._fetch.url, data=form,
                             headers={"Accept": "application/json"})

    def _tokens(self, body: Mapping[str, Any]) -> tuple[str, Any]:
        rotated = body.get("refresh_token")
        if rotated and rotated != self.refresh:
            self.refresh = str(rotated)
            self._store(self.refresh)
        return str(body["access_token"]), body.get("expires_in")

    def _stored(self) -> str | None:
        if self.file is None or not self.file.exists():
            return None
        return str(json.loads(self.file.read_text(encoding="utf-8")).get("refresh_token") or "")\
            or None

    def _store(self, token: str) -> None:
        if self.file is None:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"refresh_token": token}, out)
        partial.replace(self.file)  # atomic: a crash leaves the old token, never half a file


def tenant_token(spec: m.TenantTokenAuth, context: Mapping[str, Any]) -> TokenAuth:
    """An app id and secret traded for a tenant token (`POST url {app_id, app_secret}`)."""
    fetch = httpx.Request("POST", render(spec.url, context), json=render(spec.body, context))
    return TokenAuth(fetch, lambda body: (str(pick(body, spec.token)),
                                          pick(body, spec.expires_in)), spec.scheme)


def build_auth(spec: m.ApiKeyAuth | m.BasicAuth | m.BearerAuth | m.OAuth2Auth
               | m.TenantTokenAuth, context: Mapping[str, Any]) -> httpx.Auth:
    """The httpx auth of a manifest's `api.auth`."""
    if isinstance(spec, m.ApiKeyAuth):
        return StaticAuth(render(spec.header, context), render(spec.query, context))
    if isinstance(spec, m.BasicAuth):
        return httpx.BasicAuth(render(spec.username, context), render(spec.password, context))
    if isinstance(spec, m.BearerAuth):
        token = render(spec.token, context)
        return StaticAuth({"Authorization": f"{spec.scheme} {token}".strip()}, {})
    if isinstance(spec, m.OAuth2Auth):
        return OAuth2(spec, context)
    return tenant_token(spec, context)
