"""Single sign-on in the demo: the company's identity provider (the local OIDC provider of
`hub sandbox oidc`) knows the demo's people and their groups; the hub's `sso:` section maps
those to roles, and the dashboard signs in through it. The demo tries one sign-in itself and
prints whom to sign in as."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from hub.demo.cast import Company
from hub.demo.steps import StepFailed
from hub.testing.oidc_provider import PASSWORD, OidcClient, OidcProvider, OidcUser
from hub.testing.server import free_port, serve

CLIENT_ID = "hub-dashboard"
CLIENT_SECRET = "demo-sso-client-secret"  # noqa: S105 - the local provider's client
AUDIENCE = "hub-api"


@dataclass(frozen=True)
class IdentityProvider:
    """The running provider and where it listens."""

    provider: OidcProvider
    url: str


def demo_users(company: Company) -> list[OidcUser]:
    """IT's admin, the head of marketing (a manager: reads everything), R&D's head (her
    department's work), and the partner agency's contact (the shared project only)."""
    rnd, marketing = company.staff("R&D")[0], company.staff("Marketing")[0]
    return [
        OidcUser("it-admin", "IT Admin", ["hub-admins"]),
        OidcUser(marketing.first.lower(), marketing.name, ["managers"]),
        OidcUser(rnd.first.lower(), rnd.name, ["staff"], {"department": "R&D"}),
        OidcUser("agency", f"{company.partner.name} contact", ["partners"],
                 {"partner": company.partner.name}),
    ]


@contextmanager
def running_provider(company: Company) -> Iterator[IdentityProvider]:
    """Serve the company's identity provider until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    provider = OidcProvider(url, users=demo_users(company), audience=AUDIENCE,
                            clients=[OidcClient(CLIENT_ID, CLIENT_SECRET)])
    with serve(provider.app, port=port):
        yield IdentityProvider(provider, url)


def sso_yaml(idp: IdentityProvider, company: Company) -> str:
    """The demo config's `sso:` section."""
    return f"""\
sso:                       # people sign in with the company's identity provider
  issuers:
    local:
      issuer: {idp.url}
      title: Aurora ID
      audience: {AUDIENCE}         # API access tokens from it must be meant for the hub
      client_id: {CLIENT_ID}       # the dashboard's sign-in (authorization code + PKCE)
      client_secret: {CLIENT_SECRET}
      roles:               # groups -> hub roles (the most powerful one wins)
        admin: [hub-admins]
        manager: [managers]
        department: [staff]
        partner: [partners]
      partners:            # what each partner sees
        {company.partner.name}: [{company.partner.project}]
"""


def banner(idp: IdentityProvider, hub_url: str) -> list[str]:
    """How to sign in to the dashboard as each of the provider's people."""
    lines = [f"  identity provider {idp.url}   (password {PASSWORD!r} for everyone)"]
    for user in idp.provider.users.values():
        groups = ", ".join(user.groups)
        lines.append(f"    {user.name:26} {hub_url}/ui/sso/local?login_hint={user.username}"
                     f"   ({groups})")
    return lines


def try_sign_in(hub_url: str, username: str) -> str:
    """Sign in to the dashboard as a browser does (through the provider) and say who the
    dashboard says is signed in; StepFailed when it doesn't answer so."""
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(f"{hub_url}/ui/sso/local", params={"login_hint": username})
    found = re.search(r'<span class="me">([^<]+)</span>', page.text)
    if page.status_code != 200 or found is None:
        raise StepFailed(f"dashboard sign-in as {username} answered {page.status_code}")
    return found.group(1).replace("&amp;", "&")
