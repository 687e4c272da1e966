"""The sandbox's `/services/oauth2/token`: the JWT bearer flow (an RS256 assertion checked
against the connected app's certificate: issuer, audience, subject, expiry) and the client
credentials flow, answering as Salesforce does (`invalid_grant`, `invalid_client`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class ConnectedApp:
    """What the org knows of the hub's connected app: its consumer key and secret, the
    certificate its JWTs are signed with, the users it may act as, the login URL (audience)."""

    consumer_key: str
    consumer_secret: str
    certificate: str  # PEM: a certificate or a public key
    audience: str
    users: dict[str, str] = field(default_factory=dict)  # username -> user id
    run_as: str = ""  # the user id the client credentials flow runs as
    sessions: dict[str, str] = field(default_factory=dict)  # access token -> user id
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> user id

    def public_key(self) -> Any:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        pem = self.certificate.encode()
        if b"BEGIN CERTIFICATE" in pem:
            return x509.load_pem_x509_certificate(pem).public_key()
        return load_pem_public_key(pem)

    def issue(self, user_id: str) -> str:
        token = f"00D5g000000SBX!{secrets.token_urlsafe(32)}"
        self.sessions[token] = user_id
        return token

    def expire_sessions(self) -> None:
        """Every access token given out so far stops working (INVALID_SESSION_ID)."""
        self.sessions.clear()


def _refusal(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status)


def oauth_routes(app: ConnectedApp, instance_url: Callable[[Request], str],
                 clock: Callable[[], float]) -> APIRouter:
    """The token endpoint of the org."""
    router = APIRouter()

    @router.post("/services/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(
            errors="replace")).items()}
        grant = form.get("grant_type")
        if grant == JWT_GRANT:
            user_or_refusal = _jwt_user(app, form.get("assertion", ""), clock)
        elif grant == "client_credentials":
            user_or_refusal = _client_user(app, form)
        elif grant == "refresh_token":
            user_or_refusal = _refreshed_user(app, form)
        elif not grant:
            return _refusal("invalid_request", "grant type not supported")
        else:
            return _refusal("unsupported_grant_type", "grant type not supported")
        if isinstance(user_or_refusal, JSONResponse):
            return user_or_refusal
        access = app.issue(user_or_refusal)
        base = instance_url(request)
        issued = str(int(clock() * 1000))
        signature = base64.b64encode(hmac.new(app.consumer_secret.encode(),
                                              f"{base}/id{issued}".encode(),
                                              hashlib.sha256).digest()).decode()
        return JSONResponse({
            "access_token": access, "scope": "api", "instance_url": base,
            "id": f"{base}/id/00D5g000000SBXEAA4/{user_or_refusal}", "token_type": "Bearer",
            "issued_at": issued, "signature": signature})

    return router


def _jwt_user(app: ConnectedApp, assertion: str,
              clock: Callable[[], float]) -> str | JSONResponse:
    if not assertion:
        return _refusal("invalid_grant", "invalid assertion")
    try:
        claims = jwt.decode(assertion, app.public_key(), algorithms=["RS256"],
                            audience=app.audience, options={"require": ["exp", "iss", "sub",
                                                                        "aud"],
                                                            "verify_exp": False})
    except jwt.InvalidAudienceError:
        return _refusal("invalid_grant", "audience is invalid")
    except jwt.PyJWTError:
        return _refusal("invalid_grant", "invalid assertion")
    if float(claims["exp"]) <= clock():
        return _refusal("invalid_grant", "expired authorization code")
    if claims["iss"] != app.consumer_key:
        return _refusal("invalid_client_id", "client identifier invalid")
    user = app.users.get(str(claims["sub"]))
    if user is None:
        return _refusal("invalid_grant", "user hasn't approved this consumer")
    return user


def _client_user(app: ConnectedApp, form: dict[str, str]) -> str | JSONResponse:
    key, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not (hmac.compare_digest(key, app.consumer_key)
            and hmac.compare_digest(secret, app.consumer_secret)):
        return _refusal("invalid_client", "invalid client credentials")
    if not app.run_as:
        return _refusal("invalid_grant", "no client credentials user enabled")
    return app.run_as


def _refreshed_user(app: ConnectedApp, form: dict[str, str]) -> str | JSONResponse:
    """The refresh token flow (older integrations, such as Singer's tap-salesforce)."""
    refused = _client_user(app, form)
    if isinstance(refused, JSONResponse):
        return refused
    user = app.refresh_tokens.get(form.get("refresh_token", ""))
    if user is None:
        return _refusal("invalid_grant", "expired access/refresh token")
    return user
