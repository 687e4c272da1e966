"""`/docs`: Swagger UI served from files inside the package, so the API's documentation works
on an intranet with no way out (FastAPI's default page loads its script from a CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: swagger-ui-dist (npm), vendored as published: see static/swagger-ui/README.md
SWAGGER_UI = Path(__file__).parent / "static" / "swagger-ui"
ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    """Serve `/docs` and its assets from the package. Build the app with `docs_url=None`."""
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title}: API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            # No spec validator badge: it would send the spec to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True})

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
