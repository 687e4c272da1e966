"""The identity provider of the SSO tests (API and dashboard): the local OIDC provider with the
API world's people, and the hub's `sso:` config that trusts it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from pydantic import SecretStr

from hub.config.sso import IssuerConfig, SsoConfig
from hub.store.auth import Role
from hub.testing.oidc_provider import OidcClient, OidcProvider, OidcUser
from hub.testing.server import free_port, serve
from tests.api.world import NOW

CLIENT_SECRET = "s3cret-of-the-dashboard-client"
REFETCH_EVERY = timedelta(seconds=30)


def users() -> list[OidcUser]:
    """The world's people as the identity provider knows them."""
    return [OidcUser("ada", "Ada Admin", ["hub-admins", "staff"], {"department": "R&D"}),
            OidcUser("rita", "Rita Research", ["staff"], {"department": "R&D"}),
            OidcUser("pat", "Pat Partner", ["partners"], {"partner": "Acme"}),
            OidcUser("max", "Max Manager", ["managers"]),
            OidcUser("nora", "Nora Nobody", ["canteen"])]


@contextmanager
def served_provider() -> Iterator[OidcProvider]:
    """The provider on a free local port: its issuer is its real URL; its clock `NOW`."""
    port = free_port()
    provider = OidcProvider(f"http://127.0.0.1:{port}", users=users(), clock=lambda: NOW,
                            clients=[OidcClient("hub-dashboard", CLIENT_SECRET)])
    with serve(provider.app, port=port):
        yield provider


def sso_config(op: OidcProvider) -> SsoConfig:
    return SsoConfig(issuers={"local": IssuerConfig(
        issuer=op.issuer or "", audience=["hub-api"], client_id="hub-dashboard",
        client_secret=SecretStr(CLIENT_SECRET), title="Local IdP",
        jwks_refetch_every=REFETCH_EVERY,
        roles={Role.admin: ["hub-admins"], Role.manager: ["managers"],
               Role.department: ["staff"], Role.partner: ["partners"]},
        partners={"Acme": ["RD"]})})


@dataclass
class Ticks:
    """A monotonic clock the test moves (the JWKS refetch limit is judged by it)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwks_fetches(op: OidcProvider) -> int:
    return op.requests.get("/jwks", 0)
