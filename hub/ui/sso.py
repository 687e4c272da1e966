"""Dashboard sign-in through an identity provider of the `sso:` config: the authorization code
flow with PKCE (S256), the state and nonce kept in a short-lived HttpOnly cookie, the ID token
verified (signature, iss, aud, exp, nonce), and a dashboard session that keeps the person's
claims (never a token). Sign-out ends the provider's session too where it offers one.

    GET /ui/sso/{provider}            -> the provider's authorize endpoint
    GET /ui/sso/{provider}/callback   <- its answer: code and state, or error
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hub.api.deps import ClockDep
from hub.auth.claims import NoRole, kept_claims, to_principal
from hub.auth.oidc import OidcRefused, OidcUnavailable, OidcVerifier, ProviderKeys
from hub.auth.principal import Principal
from hub.config.sso import IssuerConfig
from hub.store.ui import UiSession
from hub.ui import sessions
from hub.ui.web import HEADERS, PREFIX, page, redirect, set_cookie

log = logging.getLogger("hub.ui.sso")
router = APIRouter(prefix=f"{PREFIX}/sso", include_in_schema=False)
#: the sign-in under way: provider, state, nonce and PKCE verifier (ten minutes at most)
FLOW_COOKIE = "hub_sso"
FLOW_SECONDS = 600
SESSION_PREFIX = "oidc:"


@dataclass(frozen=True)
class Offer:
    """A sign-in button."""

    name: str
    title: str


def install(app: FastAPI) -> None:
    """Serve SSO sign-in, and let this app's sessions find their principal by provider."""
    app.include_router(router)
    verifier: OidcVerifier | None = app.state.oidc
    app.state.ui_providers = {} if verifier is None else {
        f"{SESSION_PREFIX}{name}": _session_provider(name, keys.settings)
        for name, keys in verifier.providers.items() if keys.settings.signs_in}
    # Sign-out is a form whose answer redirects to the provider's end-session endpoint (on the
    # issuer's host): the pages' CSP must let a form lead there.
    origins = sorted({_origin(s.issuer) for s in app.state.config.sso.issuers.values()
                      if s.signs_in})
    csp = HEADERS["Content-Security-Policy"]
    app.state.ui_headers = {**HEADERS, "Content-Security-Policy": csp.replace(
        "form-action 'self'", " ".join(["form-action 'self'", *origins]))} if origins else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def offers(request: Request) -> list[Offer]:
    """The providers the sign-in page offers."""
    issuers = request.app.state.config.sso.issuers
    return [Offer(name, s.title or name) for name, s in issuers.items() if s.signs_in]


def _session_provider(name: str, settings: IssuerConfig) -> sessions.Provider:
    def principal(session: Session, row: UiSession, now: datetime) -> Principal | str:
        try:
            return to_principal(row.claims or {}, name, settings, channel="ui")
        except NoRole as exc:
            return str(exc)  # the config no longer gives this person a role: signed out

    return principal


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _base(request: Request) -> str:
    public = request.app.state.config.server.public_url
    return (public or str(request.base_url)).rstrip("/")


def _keys(request: Request, name: str) -> ProviderKeys | None:
    verifier: OidcVerifier | None = request.app.state.oidc
    keys = verifier.providers.get(name) if verifier is not None else None
    return keys if keys is not None and keys.settings.signs_in else None


def _refused(request: Request, message: str, status: int) -> Response:
    return page(request, "refused.html", {"message": message}, status_code=status)


@router.get("/{name}")
async def start(request: Request, name: str, login_hint: str = "") -> Response:
    """Send the browser to the provider's sign-in, with a fresh state, nonce and PKCE pair."""
    keys = _keys(request, name[:32])
    if keys is None:
        return _refused(request, f"No single sign-on provider {name[:32]!r}.", 404)
    try:
        found = await run_in_threadpool(keys.discovery)
    except OidcUnavailable as exc:
        log.warning("sign-in with %s: %s", name, exc)
        return _refused(request, f"The identity provider {keys.name} can't be reached now; "
                                 "try again in a minute.", 503)
    state, nonce, verifier = (secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                              secrets.token_urlsafe(48))
    query = {"client_id": keys.settings.client_id or "", "response_type": "code",
             "scope": " ".join(keys.settings.scopes), "state": state, "nonce": nonce,
             "redirect_uri": f"{_base(request)}{PREFIX}/sso/{keys.name}/callback",
             "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
             "code_challenge_method": "S256"}
    if login_hint:
        query["login_hint"] = login_hint[:100]
    response = redirect(f"{found.authorization_endpoint}?{urlencode(query)}", 303)
    set_cookie(request, response, FLOW_COOKIE, f"{keys.name}.{state}.{nonce}.{verifier}",
               max_age=FLOW_SECONDS)
    return response


@router.get("/{name}/callback")
async def callback(request: Request, name: str, clock: ClockDep, code: str = "",
                   state: str = "", error: str = "") -> Response:
    """The provider's answer: check the state, trade the code for tokens (with the PKCE
    verifier and the client's credentials), verify the ID token, open a session."""
    keys = _keys(request, name[:32])
    if keys is None:
        return _refused(request, f"No single sign-on provider {name[:32]!r}.", 404)
    parts = (request.cookies.get(FLOW_COOKIE) or "").split(".")
    if len(parts) != 4 or parts[0] != keys.name or not state or \
            not hmac.compare_digest(parts[1].encode(), state[:100].encode()):
        return _refused(request, "This sign-in answer does not belong to a sign-in started "
                                 "in this browser (its state does not match). Sign in again.",
                        400)
    _, _, nonce, verifier = parts
    if error:
        return _refused(request, f"{keys.name} refused the sign-in ({error[:60]}). Sign in "
                                 "again, or ask IT.", 401)

    def finish() -> str:
        principal, claims = _sign_in(request, keys, code[:2000], verifier, nonce, clock())
        with request.app.state.sessions() as session:
            cookie = sessions.open_session(session, clock(), provider=SESSION_PREFIX + keys.name,
                                           subject=principal.subject, claims=claims)
            sessions.forget_ended(session, clock())
            session.commit()
        return cookie

    try:
        cookie = await run_in_threadpool(finish)
    except NoRole as exc:
        return _refused(request, str(exc), 403)
    except (OidcRefused, SignInFailed) as exc:
        return _refused(request, f"Sign-in with {keys.name} failed: {exc}", 401)
    except OidcUnavailable as exc:
        log.warning("sign-in with %s: %s", keys.name, exc)
        return _refused(request, f"The identity provider {keys.name} can't be reached now; "
                                 "try again in a minute.", 503)
    response = redirect(f"{PREFIX}/portfolio")
    set_cookie(request, response, sessions.COOKIE, cookie,
               max_age=int(sessions.LIFETIME.total_seconds()))
    response.delete_cookie(FLOW_COOKIE, path=PREFIX)
    return response


class SignInFailed(Exception):
    """The provider's token endpoint or userinfo did not answer as the specs say."""


def _sign_in(request: Request, keys: ProviderKeys, code: str, verifier: str, nonce: str,
             now: datetime) -> tuple[Principal, dict[str, Any]]:
    """The person of an authorization code: their principal, and the claims a session keeps."""
    settings, found = keys.settings, keys.discovery()
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": f"{_base(request)}{PREFIX}/sso/{keys.name}/callback",
            "client_id": settings.client_id or ""}
    auth: httpx.BasicAuth | None = None
    if settings.client_secret is not None:
        secret = settings.client_secret.get_secret_value()
        if "client_secret_basic" in found.token_auth_methods:
            auth = httpx.BasicAuth(settings.client_id or "", secret)
        else:
            form["client_secret"] = secret
    try:
        answer = keys.http.post(found.token_endpoint, data=form,
                                auth=auth or httpx.USE_CLIENT_DEFAULT,
                                headers={"Accept": "application/json"})
        tokens = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcUnavailable(f"{keys.name}: its token endpoint did not answer "
                              f"({type(exc).__name__})") from None
    if answer.status_code != 200 or not isinstance(tokens, dict) or \
            not isinstance(tokens.get("id_token"), str):
        reason = tokens.get("error") if isinstance(tokens, dict) else None
        raise SignInFailed(f"the provider did not give tokens for the code "
                           f"({str(reason or answer.status_code)[:60]})")
    _, claims = _verify(request, keys, tokens["id_token"], nonce, now)
    access = tokens.get("access_token")
    if found.userinfo_endpoint and isinstance(access, str):
        claims = {**_userinfo(keys, found.userinfo_endpoint, access, claims), **claims}
    return to_principal(claims, keys.name, settings, channel="ui"), kept_claims(claims, settings)


def _verify(request: Request, keys: ProviderKeys, id_token: str, nonce: str, now: datetime
            ) -> tuple[ProviderKeys, dict[str, Any]]:
    verifier: OidcVerifier = request.app.state.oidc
    return verifier.verify(id_token, now, provider=keys.name,
                           audience=[keys.settings.client_id or ""], nonce=nonce)


def _userinfo(keys: ProviderKeys, url: str, access: str, claims: dict[str, Any]
              ) -> dict[str, Any]:
    """Userinfo's claims (groups a provider leaves out of ID tokens); only for the same `sub`
    (OIDC Core 5.3.2). Unreadable: the ID token's claims alone."""
    try:
        answer = keys.http.get(url, headers={"Authorization": f"Bearer {access}"})
        info = answer.json() if answer.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return {}
    return info if isinstance(info, dict) and info.get("sub") == claims.get("sub") else {}


def end_session_url(request: Request, provider: str | None) -> str | None:
    """Where sign-out sends the browser to end the provider's session too (None: nowhere)."""
    if not provider or not provider.startswith(SESSION_PREFIX):
        return None
    keys = _keys(request, provider.removeprefix(SESSION_PREFIX))
    if keys is None:
        return None
    try:
        endpoint = keys.discovery().end_session_endpoint
    except OidcUnavailable:
        return None
    if not endpoint:
        return None
    query = {"client_id": keys.settings.client_id or "",
             "post_logout_redirect_uri": f"{_base(request)}{PREFIX}/sign-in"}
    return f"{endpoint}?{urlencode(query)}"
