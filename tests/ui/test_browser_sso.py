"""Single sign-on in a real browser: Playwright driving Debian's Chromium through the local
OIDC provider's login form and back to the dashboard, the role's pages, and sign-out at both
ends. Like `test_browser.py`, it runs once (SQLite, its own database: not a `db` test) and is
skipped without Chromium, except in CI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.api.app import create_app
from hub.store.db import make_engine
from hub.store.tables import metadata
from hub.testing.oidc_provider import PASSWORD, OidcProvider
from hub.testing.server import serve
from tests.api.world import NOW, seed
from tests.auth.idp import served_provider, sso_config
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.ui.browser import SHOTS, WAIT_MS, chromium, sync_api


class Hub:
    def __init__(self, url: str, op: OidcProvider) -> None:
        self.url, self.op = url, op


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sso') / 'hub.db'}")
    metadata.create_all(engine)
    seed(engine)
    with served_provider() as op:
        config = fake_config(fake_tools(["a", "b"])).model_copy(update={"sso": sso_config(op)})
        app = create_app(config, engine, fake_registry())
        app.state.clock = lambda: NOW
        with serve(app) as server:
            yield Hub(server.url, op)
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _sign_in(page: Any, hub: Hub, user: str) -> None:
    """From the dashboard's sign-in page through the provider's login form and back."""
    page.goto("/ui/portfolio")
    assert page.url.endswith("/ui/sign-in")
    page.get_by_role("link", name="Sign in with Local IdP").click()
    page.wait_for_url(f"{hub.op.issuer}/authorize**")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#kc-login")
    page.wait_for_url("**/ui/portfolio")


def _sign_out(page: Any, hub: Hub) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/sign-in")
    assert page.url.startswith(hub.url)
    page.goto("/ui/portfolio")
    assert page.url.endswith("/ui/sign-in")  # the hub's session is over


def _projects(page: Any) -> list[str]:
    rows = page.locator("#portfolio-rows tr[data-project]")
    return sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.project)"))


def test_sign_in_through_the_provider_see_the_role_pages_and_sign_out(browser: Any,
                                                                      hub: Hub) -> None:
    context = browser.new_context(base_url=hub.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)

    _sign_in(page, hub, "rita")
    sync_api.expect(page.locator(".me")).to_have_text("Rita Research (department, R&D)")
    assert _projects(page) == ["RD"]
    assert page.get_by_role("link", name="Sync health").count() == 0  # not for a department
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sso-department.png"), full_page=True)
    _sign_out(page, hub)
    assert hub.op.requests.get("/logout") == 1  # the provider's session ended too

    # The provider asks again (its session is over): a partner this time, one project shown.
    _sign_in(page, hub, "pat")
    sync_api.expect(page.locator(".me")).to_have_text("Pat Partner (partner, Acme)")
    assert _projects(page) == ["RD"]
    assert page.get_by_role("link", name="Conflicts").count() == 0
    _sign_out(page, hub)

    _sign_in(page, hub, "ada")
    sync_api.expect(page.locator(".me")).to_have_text("Ada Admin (admin)")
    assert _projects(page) == ["MK", "RD"]
    page.goto("/ui/health")
    assert page.url.endswith("/ui/health")
    context.close()
