"""What every dashboard route shares: templates, the signed-in person, CSRF, language."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from hub.api.deps import ClockDep
from hub.auth import policy
from hub.auth.principal import Principal
from hub.model.enums import Entity
from hub.ui import i18n, sessions
from hub.ui.sessions import SignedIn

HERE = Path(__file__).parent
ENV = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True),
                  trim_blocks=True, lstrip_blocks=True, auto_reload=False)
PREFIX = "/ui"
#: every page: not cached, no script but the package's own, not framed by another site
HEADERS = {"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language",
           "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' "
                                      "'unsafe-inline'; img-src 'self' data:; "
                                      "frame-ancestors 'none'; form-action 'self'",
           "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff"}
#: the cookie that carries an action's outcome to the next page
FLASH = "hub_flash"


def _link(url: object) -> str | None:
    """A URL a tool sent, if it is one a browser may follow (http or https: never javascript:)."""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


ENV.filters["link"] = _link


class SignInRequired(Exception):
    """The request has no live session: the page sends the browser to sign in."""


class CsrfRefused(Exception):
    """A form or htmx request without the session's CSRF secret."""


def texts(request: Request) -> i18n.Texts:
    """The language of this request (the switch's cookie, else Accept-Language)."""
    return i18n.Texts(i18n.choose(request.cookies.get(i18n.COOKIE),
                                  request.headers.get("accept-language")))


async def signed_in(request: Request, clock: ClockDep) -> SignedIn:
    """The person signed in to this browser; SignInRequired without a live session."""
    cookie = request.cookies.get(sessions.COOKIE)
    if not cookie:
        raise SignInRequired()

    def find() -> SignedIn | None:
        with request.app.state.sessions() as session:
            return sessions.find_session(session, cookie, clock(),
                                         request.app.state.ui_providers)

    found = await run_in_threadpool(find)
    if found is None:
        raise SignInRequired()
    request.state.principal = found.principal  # for the access log
    return found


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


async def csrf_checked(request: Request, who: SignedInDep) -> SignedIn:
    """The signed-in person of a form post that carries the session's CSRF secret (a form
    field `csrf`, or htmx's `X-CSRF-Token` header); CsrfRefused otherwise."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sessions.check_csrf(who.csrf, sent):
        raise CsrfRefused()
    return who


CsrfDep = Annotated[SignedIn, Depends(csrf_checked)]


def secure(request: Request) -> bool:
    """Whether the browser reached the hub over TLS (directly or through a proxy that says
    so): the session cookie is then Secure."""
    public = request.app.state.config.server.public_url or ""
    return request.url.scheme == "https" or str(public).startswith("https://")


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True,
                        samesite="lax", secure=secure(request))


def page(request: Request, template: str, context: dict[str, Any], *,
         who: SignedIn | None = None, status_code: int = 200) -> HTMLResponse:
    """A page (or fragment) rendered in the request's language."""
    t = texts(request)
    flash = unquote(request.cookies.get(FLASH, ""))[:300]
    context.setdefault("flash", flash)
    html = ENV.get_template(template).render({
        **context, "request": request, "t": t, "lang": t.lang, "who": who, "ui": PREFIX,
        "csrf": who.csrf if who else context.get("csrf"), "path": request.url.path,
        "principal": who.principal if who else None,
        "may": _may(who.principal) if who else None})
    # An app with SSO lets its sign-out form lead on to the providers' end-session pages.
    headers = getattr(request.app.state, "ui_headers", None) or HEADERS
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if flash:
        response.delete_cookie(FLASH, path=PREFIX)
    return response


def back_with(request: Request, to: str, message: str) -> Response:
    """Back to a page after an action, which says `message` once (a short-lived cookie: a
    link can't make a page say something)."""
    response = redirect(to)
    set_cookie(request, response, FLASH, quote(message[:300]), max_age=60)
    return response


def _may(principal: Principal) -> dict[str, bool]:
    """What the navigation offers this principal (the policy decides; routes check again)."""
    return {"conflicts": policy.may_read_conflicts(principal),
            "health": principal.may_read_operations,
            "operate": principal.may_operate,
            "write": principal.may_write,
            "people": policy.may_read(principal, Entity.person, "department"),
            "absences": policy.entity_view(principal, Entity.absence) is not None,
            "budgets": policy.entity_view(principal, Entity.budget_line) is not None}


def redirect(to: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(to, status_code=status_code)

