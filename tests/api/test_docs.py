"""`/docs` works on an intranet with no way out: the page and everything it loads come from
the hub itself."""

from __future__ import annotations

import ipaddress
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.config.models import HubConfig
from hub.testing.server import serve

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Connections anywhere but this machine fail, as on an intranet with no way out; the
    attempts are kept."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not _local(host):
            attempts.append(address)
            raise OSError(101, "Network is unreachable")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def test_docs_load_with_the_network_unreachable(empty_engine: Engine,
                                                no_network: list[Any]) -> None:
    app = create_app(HubConfig(), empty_engine)
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=10) as browser:
        page = browser.get("/docs")
        assert page.status_code == 200
        references = {a or b for a, b in _REFERENCE.findall(page.text)}
        assets = {urljoin(f"{server.url}/docs", ref) for ref in references}
        answers = {url: browser.get(url) for url in assets}

    assert {urlsplit(url).netloc for url in assets} == {urlsplit(server.url).netloc}
    paths = {urlsplit(url).path for url in assets}
    assert {"/openapi.json", "/docs/assets/swagger-ui-bundle.js",
            "/docs/assets/swagger-ui.css"} <= paths
    for url, answer in answers.items():
        assert answer.status_code == 200, url
        assert len(answer.content) > 100, url
    bundle = answers[f"{server.url}/docs/assets/swagger-ui-bundle.js"]
    assert "javascript" in bundle.headers["content-type"]
    assert "SwaggerUIBundle" in bundle.text
    assert answers[f"{server.url}/openapi.json"].json()["info"]["title"] == "Integration hub"
    assert "validatorUrl" in page.text  # no badge that sends the spec to validator.swagger.io
    assert no_network == []


def test_the_cdn_pages_are_gone(empty_engine: Engine) -> None:
    app = create_app(HubConfig(), empty_engine)
    with serve(app) as server:
        page = httpx.get(f"{server.url}/docs").text
        redoc = httpx.get(f"{server.url}/redoc")

    assert "cdn.jsdelivr.net" not in page
    assert "fastapi.tiangolo.com" not in page
    assert redoc.status_code == 404


def test_the_readme_names_every_path_the_api_serves(empty_engine: Engine) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    paths = create_app(HubConfig(), empty_engine).openapi()["paths"]

    missing = [path for path in paths if path not in readme]

    assert missing == []
    assert "/api/v1/budget-lines" in paths
