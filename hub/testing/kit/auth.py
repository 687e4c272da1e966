"""How a sandbox's callers sign in, as the tool takes it: a key and token in the query
(Trello), a bearer or plain token in `Authorization` (Asana, monday.com), Basic auth
(Jira's e-mail and API token, BambooHR's key as the user name). Each scheme returns who is
calling, or None; the sandbox answers None with the tool's own 401."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass
class QueryKeys:
    """Credentials as query parameters (`?key=...&token=...`); `accounts` maps a tuple of
    their values to the caller."""

    names: tuple[str, ...]
    accounts: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def __call__(self, request: Request) -> Any:
        given = tuple(request.query_params.get(n, "") for n in self.names)
        return next((who for creds, who in self.accounts.items()
                     if all(_same(a, b) for a, b in zip(creds, given, strict=True))), None)


@dataclass
class TokenHeader:
    """A token in a header, with or without a scheme word (`Bearer`); `tokens` maps each to
    its caller."""

    tokens: dict[str, Any] = field(default_factory=dict)
    header: str = "authorization"
    scheme: str | None = "bearer"

    def __call__(self, request: Request) -> Any:
        value = request.headers.get(self.header, "").strip()
        if self.scheme:
            word, _, value = value.partition(" ")
            if word.lower() != self.scheme:
                return None
        return next((who for t, who in self.tokens.items() if value and _same(t, value.strip())),
                    None)


@dataclass
class BasicAuth:
    """Basic auth; `check(user, password)` returns the caller or None."""

    check: Callable[[str, str], Any]

    def __call__(self, request: Request) -> Any:
        word, _, encoded = request.headers.get("authorization", "").partition(" ")
        if word.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return self.check(user, password) if user else None


def accounts_by_key(pairs: Mapping[str, Any]) -> Callable[[str, str], Any]:
    """A Basic-auth check for tools whose user name is the key (any password)."""
    return lambda user, password: next((who for k, who in pairs.items() if _same(k, user)), None)
