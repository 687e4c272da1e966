"""Dashboard sign-in through the identity provider, over real HTTP: the authorization code
flow with PKCE, the hub's session, the role's pages, and sign-out at both ends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.store.sync import AuditEntry
from hub.testing.oidc_provider import OidcProvider
from hub.testing.server import serve
from tests.api.world import NOW, World, seed
from tests.auth.idp import served_provider, sso_config
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.ui.conftest import csrf_of


@dataclass
class Served:
    hub: str
    op: OidcProvider
    world: World
    engine: Engine


@pytest.fixture
def served(engine: Engine) -> Iterator[Served]:
    world = seed(engine)
    with served_provider() as op:
        config = fake_config(fake_tools(["a", "b"])).model_copy(update={"sso": sso_config(op)})
        app = create_app(config, engine, fake_registry())
        app.state.clock = lambda: NOW
        with serve(app) as server:
            yield Served(server.url, op, world, engine)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=True, timeout=10) as client:
        yield client


def _sign_in(browser: httpx.Client, served: Served, user: str) -> httpx.Response:
    return browser.get(f"{served.hub}/ui/sso/local", params={"login_hint": user})


def test_sign_in_shows_the_role_pages_and_sign_out_ends_both_sessions(
        browser: httpx.Client, served: Served) -> None:
    offer = browser.get(f"{served.hub}/ui/sign-in")
    assert 'href="/ui/sso/local"' in offer.text
    assert "Sign in with Local IdP" in offer.text

    page = _sign_in(browser, served, "rita")
    assert page.status_code == 200, page.text
    assert page.url.path == "/ui/portfolio"
    assert "Rita Research (department, R&amp;D)" in page.text
    assert 'data-project="RD"' in page.text
    assert 'data-project="MK"' not in page.text
    assert served.op.requests.get("/token") == 1

    out = browser.post(f"{served.hub}/ui/sign-out", data={"csrf": csrf_of(page.text)})
    # The hub ended its session, then the provider's (end_session), and came back.
    assert served.op.requests.get("/logout") == 1
    assert out.url.path == "/ui/sign-in"
    assert str(out.url).startswith(served.hub)
    again = browser.get(f"{served.hub}/ui/portfolio")
    assert again.url.path == "/ui/sign-in"
    # Signed out at the provider too: a new sign-in asks for the password again.
    login = browser.get(f"{served.hub}/ui/sso/local")
    assert str(login.url).startswith(served.op.issuer or "")
    assert 'name="password"' in login.text


def test_a_dashboard_edit_records_the_person(browser: httpx.Client, served: Served) -> None:
    page = _sign_in(browser, served, "rita")
    task = served.world.ids["rd_task"]
    moved = browser.post(f"{served.hub}/ui/tasks/{task}/move", data={
        "csrf": csrf_of(page.text), "version": "1", "status": "in_review",
        "back": "/ui/activity"})
    assert moved.status_code == 200, moved.text
    with Session(served.engine) as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.record_id == task, AuditEntry.source.startswith("sso:"))).first()
    assert entry is not None
    sub = served.op.users["rita"].sub
    assert entry.source == f"sso:local#{sub}"
    assert entry.changes["status"]["new"] == "in_review"
    assert entry.actor == {"issuer": served.op.issuer, "subject": sub,
                           "name": "Rita Research", "via": "ui"}
    assert "<td>Rita Research (sso:local)</td>" in moved.text  # the activity feed says who


def test_partner_sees_the_shared_project_only(browser: httpx.Client, served: Served) -> None:
    page = _sign_in(browser, served, "pat")
    assert page.status_code == 200, page.text
    assert "Pat Partner (partner, Acme)" in page.text
    assert "RD" in page.text
    assert "Market kickoff" not in page.text


def test_sign_in_without_a_role_is_refused_with_the_reason(browser: httpx.Client,
                                                           served: Served) -> None:
    page = _sign_in(browser, served, "nora")
    assert page.status_code == 403
    assert "maps to no hub role: your groups/roles are canteen" in page.text
    assert browser.get(f"{served.hub}/ui/portfolio").url.path == "/ui/sign-in"


def _until_callback(browser: httpx.Client, served: Served, user: str) -> str:
    """Start a sign-in and stop where the provider sends the browser back with its code."""
    start = browser.get(f"{served.hub}/ui/sso/local", params={"login_hint": user},
                        follow_redirects=False)
    at_provider = browser.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302
    return at_provider.headers["location"]


def test_a_callback_whose_state_is_not_this_browsers_is_refused(browser: httpx.Client,
                                                                 served: Served) -> None:
    callback = _until_callback(browser, served, "rita")
    query = parse_qs(urlsplit(callback).query)
    forged = browser.get(f"{served.hub}/ui/sso/local/callback",
                         params={"code": query["code"][0], "state": "not-the-state"})
    assert forged.status_code == 400
    assert "its state does not match" in forged.text
    assert served.op.requests.get("/token") is None  # the code was never traded

    # Another browser (no flow cookie) can't use the answer either.
    with httpx.Client(timeout=10) as other:
        stolen = other.get(callback)
    assert stolen.status_code == 400


def test_an_id_token_for_another_sign_in_is_refused(browser: httpx.Client,
                                                    served: Served) -> None:
    callback = _until_callback(browser, served, "rita")
    name, state, _nonce, verifier = browser.cookies["hub_sso"].split(".")
    browser.cookies.set("hub_sso", f"{name}.{state}.other-nonce.{verifier}", path="/ui")
    answer = browser.get(callback)
    assert answer.status_code == 401
    assert "nonce is not this sign-in" in answer.text


def test_a_provider_error_is_shown_not_raised(browser: httpx.Client, served: Served) -> None:
    callback = _until_callback(browser, served, "rita")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    answer = browser.get(f"{served.hub}/ui/sso/local/callback",
                         params={"error": "access_denied", "state": state})
    assert answer.status_code == 401
    assert "refused the sign-in (access_denied)" in answer.text
