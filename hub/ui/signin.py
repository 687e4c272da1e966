"""Sign-in (an API token pasted once), sign-out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hub.api.deps import ClockDep
from hub.model.text import NO_NUL
from hub.ui import i18n, sessions, sso
from hub.ui.web import PREFIX, CsrfDep, page, redirect, set_cookie

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("")
@router.get("/")
def home() -> Response:
    return redirect(f"{PREFIX}/portfolio")


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    """The sign-in form, with a fresh double-submit CSRF secret (no session yet)."""
    pre = sessions.new_secret()
    response = page(request, "sign_in.html", {"csrf": pre, "error": None,
                                              "offers": sso.offers(request)})
    set_cookie(request, response, sessions.PRE_COOKIE, pre, max_age=3600)
    return response


@router.post("/sign-in")
async def sign_in(request: Request, clock: ClockDep,
                  token: Annotated[str, Form(max_length=200, pattern=NO_NUL)] = "",
                  csrf: Annotated[str, Form(max_length=100, pattern=NO_NUL)] = "") -> Response:
    """Trade a pasted API token for a session cookie."""
    expected = request.cookies.get(sessions.PRE_COOKIE) or ""
    if not expected or not sessions.check_csrf(expected, csrf):
        return page(request, "refused.html", {
            "message": "This form was refused: it did not carry its security code (CSRF). "
                       "Open the sign-in page again."}, status_code=403)

    def open_() -> str:
        with request.app.state.sessions() as session:
            return sessions.sign_in_with_token(session, token, clock())

    try:
        cookie = await run_in_threadpool(open_)
    except sessions.TokenRefused as exc:
        return page(request, "sign_in.html", {"csrf": expected, "error": str(exc),
                                              "offers": sso.offers(request)}, status_code=401)
    response = redirect(f"{PREFIX}/portfolio")
    set_cookie(request, response, sessions.COOKIE, cookie,
               max_age=int(sessions.LIFETIME.total_seconds()))
    response.delete_cookie(sessions.PRE_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, clock: ClockDep, who: CsrfDep) -> Response:
    """End this browser's session (and, signed in through SSO, the provider's session where
    it offers an end-session endpoint: the browser goes there and comes back to sign-in)."""
    cookie = request.cookies.get(sessions.COOKIE)

    def end() -> str | None:
        with request.app.state.sessions() as session:
            provider = sessions.sign_out(session, cookie, clock())
        return sso.end_session_url(request, provider)

    provider_logout = await run_in_threadpool(end)
    response = redirect(provider_logout or f"{PREFIX}/sign-in")
    response.delete_cookie(sessions.COOKIE, path=PREFIX)
    return response


@router.get("/language/{lang}")
def language(request: Request, lang: str) -> Response:
    """The language switch: remembered in a cookie (no form data: a link is enough)."""
    if lang not in i18n.LANGUAGES:
        return page(request, "refused.html", {
            "message": f"No language {lang!r}: choose one of {', '.join(i18n.LANGUAGES)}."},
            status_code=404)
    back = request.headers.get("referer") or ""
    target = back if back.startswith(str(request.base_url).rstrip("/") + PREFIX) \
        else f"{PREFIX}/portfolio"
    response = redirect(target)
    set_cookie(request, response, i18n.COOKIE, lang, max_age=365 * 86400)
    return response
