"""The HTTP side of the local OIDC provider (`hub.testing.oidc_provider`): discovery, JWKS,
authorize (a login form, or at once for a signed-in browser or a known `login_hint`), token,
userinfo and end_session, with the specs' error answers."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urlencode

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from hub.testing.oidc_provider import OidcProvider, OidcUser

SESSION = "op_session"
_AUTHORIZE = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
              "code_challenge", "code_challenge_method")


def provider_app(op: OidcProvider) -> FastAPI:
    """The provider's ASGI app."""
    app = FastAPI(title="OIDC provider", docs_url=None, redoc_url=None, openapi_url=None)

    def issuer(request: Request) -> str:
        return op.issuer or str(request.base_url).rstrip("/")

    @app.middleware("http")
    async def count(request: Request, call_next: Any) -> Response:
        op.requests[request.url.path] = op.requests.get(request.url.path, 0) + 1
        answer: Response = await call_next(request)
        answer.headers["Cache-Control"] = "no-store"
        return answer

    @app.get("/.well-known/openid-configuration")
    def discovery(request: Request) -> dict[str, Any]:
        return op.discovery(issuer(request))

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return op.jwks()

    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        params = {k: request.query_params.get(k, "") for k in (*_AUTHORIZE, "login_hint",
                                                                "prompt")}
        return _authorize(op, request, params, None)

    @app.post("/authorize")
    async def login(request: Request) -> Response:
        form = await request.form()
        params = {k: str(form.get(k, "")) for k in (*_AUTHORIZE, "login_hint", "prompt")}
        user = op.login(str(form.get("username", "")), str(form.get("password", "")))
        if user is None:
            return _form(params, "Wrong user name or password.")
        return _authorize(op, request, params, user)

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = await request.form()
        client_id, secret = _client_auth(request, dict(form))
        client = op.clients.get(client_id or "")
        if client is None or (client.secret is not None and not hmac.compare_digest(
                (secret or "").encode(), client.secret.encode())):
            return _error("invalid_client", "client authentication failed", 401,
                          {"WWW-Authenticate": 'Basic realm="oidc"'})
        if form.get("grant_type") != "authorization_code":
            return _error("unsupported_grant_type", "only authorization_code")
        answer = op.redeem(str(form.get("code", "")), client.client_id,
                           str(form.get("redirect_uri", "")),
                           str(form.get("code_verifier", "")), issuer(request))
        if isinstance(answer, str):
            error, _, why = answer.partition(": ")
            return _error(error, why)
        return JSONResponse(answer, headers={"Pragma": "no-cache"})

    @app.get("/userinfo")
    def userinfo(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            header = jwt.get_unverified_header(token)
            key = op.keys[header.get("kid", "")]
            claims = jwt.decode(token, key.public_key(), algorithms=["RS256"],
                                audience=op.audience, issuer=issuer(request),
                                options={"verify_exp": False})
        except (jwt.PyJWTError, KeyError):
            return Response(status_code=401, headers={
                "WWW-Authenticate": 'Bearer error="invalid_token"'})
        user = op.user_of(str(claims.get("sub")))
        if scheme.lower() != "bearer" or user is None or \
                claims["exp"] <= op.clock().timestamp():
            return Response(status_code=401, headers={
                "WWW-Authenticate": 'Bearer error="invalid_token"'})
        return JSONResponse(op.user_claims(user))

    @app.get("/logout")
    def end_session(request: Request) -> Response:
        """RP-initiated logout: end the browser's sign-in here, then back to the client."""
        op.signed_in.pop(request.cookies.get(SESSION, ""), None)
        target = request.query_params.get("post_logout_redirect_uri")
        client = op.clients.get(request.query_params.get("client_id", ""))
        if target and client is not None and client.may_redirect(
                target, client.post_logout_redirect_uris):
            state = request.query_params.get("state")
            answer: Response = RedirectResponse(
                target + (f"?{urlencode({'state': state})}" if state else ""), 302)
        else:
            answer = HTMLResponse("<p>You are signed out.</p>")
        answer.delete_cookie(SESSION)
        return answer

    return app


def _authorize(op: OidcProvider, request: Request, params: dict[str, str],
               user: OidcUser | None) -> Response:
    client = op.clients.get(params["client_id"])
    redirect_uri = params["redirect_uri"]
    if client is None or not client.may_redirect(redirect_uri, client.redirect_uris):
        # Never redirect to a URI the client did not register (OAuth 2.0 §4.1.2.1).
        return HTMLResponse("<p>Unknown client or redirect_uri.</p>", status_code=400)

    def back(**query: str) -> Response:
        if params["state"]:
            query["state"] = params["state"]
        return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)

    if params["response_type"] != "code" or "openid" not in params["scope"].split():
        return back(error="unsupported_response_type",
                    error_description="response_type code with scope openid")
    if params["code_challenge_method"] != "S256" or len(params["code_challenge"]) < 43:
        return back(error="invalid_request", error_description="PKCE S256 is required")
    cookie = request.cookies.get(SESSION, "")
    if user is None and params["prompt"] != "login":
        user = op.user_of(op.signed_in.get(cookie, "")) or op.users.get(params["login_hint"])
    if user is None:
        if params["prompt"] == "none":
            return back(error="login_required")
        return _form(params, None)
    code = op.issue_code(client.client_id, redirect_uri, user, params["nonce"] or None,
                         params["code_challenge"], params["scope"])
    answer = back(code=code)
    session = secrets.token_urlsafe(16)
    op.signed_in[session] = user.sub
    answer.set_cookie(SESSION, session, httponly=True, samesite="lax")
    return answer


def _form(params: dict[str, str], error: str | None) -> HTMLResponse:
    hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">'
                     for k, v in params.items() if k != "prompt")
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return HTMLResponse(
        "<!doctype html><html><head><title>Sign in - OIDC provider</title></head><body>"
        f"<h1>Sign in</h1>{message}<form method=post action=authorize>{hidden}"
        '<label>User <input id="username" name="username" autocomplete="username"></label>'
        '<label>Password <input id="password" name="password" type="password"></label>'
        '<button id="kc-login" type="submit">Sign in</button></form></body></html>',
        status_code=200 if error is None else 401)


def _client_auth(request: Request, form: dict[str, Any]) -> tuple[str | None, str | None]:
    """client_secret_basic, else client_secret_post, else a public client's client_id."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return unquote_plus(user), unquote_plus(password)
    client_id = form.get("client_id")
    secret = form.get("client_secret")
    return (str(client_id) if client_id else None), (str(secret) if secret else None)


def _error(error: str, description: str, status: int = 400,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers=headers)
