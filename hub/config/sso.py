"""The `sso:` section: identity providers whose OIDC tokens the API accepts and whose sign-in
the dashboard offers, and how their claims become a hub role and scope.

    sso:
      issuers:
        keycloak:                              # a short name: audit entries say sso:keycloak#<sub>
          issuer: https://id.example.com/realms/acme
          audience: hub-api                    # the `aud` API access tokens must carry
          client_id: hub-dashboard             # dashboard sign-in (omit: API tokens only)
          client_secret: ${HUB_SSO_SECRET}
          claims: {groups: [groups, realm_access.roles], department: department}
          roles: {admin: [hub-admins], manager: [managers], department: [staff]}
          partners: {Acme Agency: [LAUNCH]}    # a partner's shared projects by name
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, field_validator

from hub.config.types import Duration
from hub.sdk.config import StrictModel
from hub.store.auth import Role

ISSUER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")
#: signature algorithms a provider may use: asymmetric only (no `none`, no HMAC: a public key
#: must never double as a shared secret)
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")
MAX_LEEWAY = timedelta(minutes=5)


def _https_or_local(url: str) -> str:
    url = url.rstrip("/")
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("must be an https:// URL (http:// only for 127.0.0.1 or localhost)")
    return url


def _leeway(value: timedelta) -> timedelta:
    if value > MAX_LEEWAY:
        raise ValueError("is more clock skew than a token check should allow (at most 5m)")
    return value


class ClaimNames(StrictModel):
    """Which claims say who the person is and what they belong to. A name with dots reads a
    nested claim (`realm_access.roles`, Keycloak's realm roles)."""

    name: list[str] = Field(default=["name", "preferred_username", "email"],
                            description="the person's name: the first of these that is set")
    groups: list[str] = Field(default=["groups", "roles"],
                              description="claims listing groups or roles (all of them count)")
    department: str = Field(default="department",
                            description="the department of a `department` role")
    partner: str = Field(default="partner", description="the partner of a `partner` role")
    projects: str = Field(default="hub_projects",
                          description="the project keys shared with a partner (else `partners`)")


class IssuerConfig(StrictModel):
    """One identity provider."""

    issuer: Annotated[str, AfterValidator(_https_or_local)] = Field(
        description="its issuer URL, exactly as tokens say it (`iss`); discovery is read from "
                    "<issuer>/.well-known/openid-configuration")
    audience: list[str] = Field(
        min_length=1, description="the `aud` values an API access token may carry (one of them "
                                  "must be there)")
    algorithms: list[str] = Field(default=["RS256", "ES256"], min_length=1,
                                  description="signature algorithms accepted")
    leeway: Annotated[Duration, AfterValidator(_leeway)] = Field(
        default=timedelta(seconds=60), description="clock skew allowed on exp and nbf")
    jwks_refetch_every: Duration = Field(
        default=timedelta(seconds=60),
        description="at most one JWKS refetch per this long for tokens with an unknown `kid`")
    client_id: str | None = Field(default=None, description="the dashboard's client id "
                                                            "(none: no dashboard sign-in)")
    client_secret: SecretStr | None = Field(
        default=None, description="the dashboard client's secret (a ${ENV} reference); none "
                                  "for a public client (PKCE only)")
    scopes: list[str] = Field(default=["openid", "profile", "email"])
    title: str | None = Field(default=None, description='the sign-in button says "Sign in '
                                                        'with <title>"')
    claims: ClaimNames = Field(default_factory=ClaimNames)
    roles: dict[Role, list[str]] = Field(
        min_length=1, description="role -> the groups or roles that give it; the most "
                                  "powerful role a person has wins")
    partners: dict[str, list[str]] = Field(
        default_factory=dict, description="partner name -> the project keys shared with it "
                                          "(when tokens don't carry them)")

    @field_validator("audience", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("algorithms")
    @classmethod
    def _asymmetric(cls, value: list[str]) -> list[str]:
        wrong = [a for a in value if a not in ALGORITHMS]
        if wrong:
            raise ValueError(f"is refused: {', '.join(wrong)} (the hub takes asymmetric "
                             f"algorithms only: {', '.join(ALGORITHMS)}; never none or HS*)")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid(cls, value: list[str]) -> list[str]:
        return value if "openid" in value else ["openid", *value]

    @property
    def signs_in(self) -> bool:
        """Whether the dashboard offers sign-in with this provider."""
        return self.client_id is not None


def _names(value: dict[str, IssuerConfig]) -> dict[str, IssuerConfig]:
    for name in value:
        if not ISSUER_NAME.match(name):
            raise ValueError(f"is refused: provider name {name!r} (use lower-case letters, "
                             "digits, - and _, up to 16, starting with a letter)")
    urls = [c.issuer for c in value.values()]
    if len(urls) != len(set(urls)):
        raise ValueError("is refused: two providers have the same issuer URL")
    return value


class SsoConfig(StrictModel):
    """Single sign-on: OIDC tokens for the API, sign-in for the dashboard."""

    issuers: Annotated[dict[str, IssuerConfig], AfterValidator(_names)] = Field(
        default_factory=dict, description="provider name -> its settings")
