"""The web dashboard at /ui: server-rendered pages (Jinja2) with htmx for live widgets, over
the same query layer and visibility policy as /api/v1. Every asset ships in the package."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hub.ui import actions, pages, portal_pages, signin, sso
from hub.ui.web import HERE, PREFIX, CsrfRefused, SignInRequired, page


def install(app: FastAPI) -> None:
    """Serve the dashboard from this app."""
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.include_router(signin.router)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(portal_pages.router)
    sso.install(app)  # sign-in through the `sso:` identity providers

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        target = f"{PREFIX}/sign-in"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> HTMLResponse:
        return page(request, "refused.html", {
            "message": "This form was refused: it did not carry this session's security "
                       "code (CSRF). Reload the page and send it again."}, status_code=403)
