"""Webhook signature schemes, written once for both sides: a tool's sandbox signs with them, a
connector (declared or hand-written) verifies with them.

    TRELLO = HmacSignature("X-Trello-Webhook", "sha1", "base64", parts=("body", "url"))
    headers = TRELLO.sign(secret, body, url=callback)           # the sandbox
    TRELLO.verify([secret], headers, body, url=callback)        # the connector

An HMAC over some of: the raw body, the URL the delivery was sent to, a timestamp header; hex
or base64; with an optional prefix (`sha256=`). JWT deliveries (monday.com) are `JwtSignature`.
Comparisons are constant-time; a timestamp outside the tolerance is a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hub.sdk.connector import WebhookRejected

Part = Literal["body", "url", "timestamp"]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class HmacSignature:
    """HMAC of the signed parts, in one header."""

    header: str
    algorithm: Literal["sha1", "sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    parts: tuple[Part, ...] = ("body",)
    #: put between the signed parts ("" for body + url, "." for Stripe-like `t.body`)
    separator: str = ""
    #: before the digest in the header (`sha256=`)
    prefix: str = ""
    #: the header carrying the timestamp, when one is signed
    timestamp_header: str | None = None

    def digest(self, secret: str, body: bytes, *, url: str = "", timestamp: str = "") -> str:
        """The signature of one delivery."""
        pieces = {"body": body, "url": url.encode(), "timestamp": timestamp.encode()}
        message = self.separator.encode().join(pieces[p] for p in self.parts)
        raw = hmac.new(secret.encode(), message, getattr(hashlib, self.algorithm)).digest()
        text = raw.hex() if self.encoding == "hex" else base64.b64encode(raw).decode()
        return self.prefix + text

    def sign(self, secret: str, body: bytes, *, url: str = "",
             timestamp: str | None = None) -> dict[str, str]:
        """Headers of an authentic delivery (a sandbox's side)."""
        headers: dict[str, str] = {}
        if self.timestamp_header:
            timestamp = timestamp or str(int(time.time()))
            headers[self.timestamp_header] = timestamp
        headers[self.header] = self.digest(secret, body, url=url, timestamp=timestamp or "")
        return headers

    def verify(self, secrets: Iterable[str], headers: Mapping[str, str], body: bytes, *,
               url: str = "", tolerance: float | None = None, now: float | None = None) -> None:
        """Raise `WebhookRejected` unless one of `secrets` signed this delivery."""
        given = header(headers, self.header)
        if not given:
            raise WebhookRejected(f"missing {self.header}")
        timestamp = ""
        if self.timestamp_header:
            timestamp = header(headers, self.timestamp_header) or ""
            try:
                age = abs((now or time.time()) - float(timestamp))
            except ValueError:
                raise WebhookRejected(f"missing or malformed {self.timestamp_header}") from None
            if tolerance is not None and age > tolerance:
                raise WebhookRejected(f"{self.timestamp_header} is {age:.0f}s away from now "
                                      f"(more than {tolerance:.0f}s: a replay?)")
        keys = [s for s in secrets if s]
        if not keys:
            raise WebhookRejected("no webhook secret is configured to verify deliveries with")
        matches = [hmac.compare_digest(given.encode(), self.digest(
            key, body, url=url, timestamp=timestamp).encode()) for key in keys]
        if not any(matches):
            raise WebhookRejected(f"invalid {self.header}")


@dataclass(frozen=True)
class JwtSignature:
    """A JWT in a header (`Authorization: <jwt>` or `Bearer <jwt>`), signed with a shared
    secret (HS256): monday.com signs its deliveries with the app's signing secret."""

    header: str = "Authorization"
    algorithm: str = "HS256"

    def sign(self, secret: str, claims: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Headers of an authentic delivery."""
        import jwt

        now = int(time.time())
        token = jwt.encode({"iat": now, "exp": now + 300, **(claims or {})}, secret,
                           algorithm=self.algorithm)
        return {self.header: token}

    def verify(self, secrets: Iterable[str], headers: Mapping[str, str], body: bytes = b"", *,
               url: str = "", tolerance: float | None = None,
               now: float | None = None) -> dict[str, Any]:
        """The token's claims; `WebhookRejected` unless one of `secrets` signed it, it has not
        expired, and its audience (when it names one) is the URL the delivery was sent to."""
        import jwt

        given = (header(headers, self.header) or "").strip()
        token = given.split(" ", 1)[1] if given.lower().startswith("bearer ") else given
        if not token:
            raise WebhookRejected(f"missing {self.header}")
        keys = [s for s in secrets if s]
        if not keys:
            raise WebhookRejected("no webhook secret is configured to verify deliveries with")
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token, key, algorithms=[self.algorithm],
                    options={"require": ["exp"], "verify_aud": False},
                    leeway=tolerance or 0)
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                raise WebhookRejected(f"invalid token in {self.header}: {exc}") from None
            if url and claims.get("aud") not in (None, url):
                raise WebhookRejected(f"the token in {self.header} was issued for another URL")
            return claims
        raise WebhookRejected(f"invalid token in {self.header}: signature does not match")
