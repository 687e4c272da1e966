"""A local OpenID Connect provider for tests and the demo (`hub sandbox oidc`), small but
faithful to the specs the hub relies on: discovery (OIDC Discovery 1.0), a JWKS with key
rotation, the authorization code flow with PKCE S256 (RFC 7636) and client authentication
(client_secret_basic and client_secret_post), ID and access tokens signed RS256, userinfo, and
RP-initiated logout (end_session). Users and their groups are seeded.

The state (keys, users, clients, codes, sign-ins) is here; the HTTP routes are
`hub.testing.oidc_routes`. Its clock is the caller's, so a test's tokens live in the test's time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import Field

from hub.testing.served import SandboxOptions

CODE_LIFETIME = timedelta(minutes=1)
TOKEN_LIFETIME = timedelta(minutes=15)
#: every seeded user's password (a sandbox: nothing here is secret)
PASSWORD = "password"  # noqa: S105


@dataclass
class OidcUser:
    """A person the provider knows, with the claims it says about them."""

    username: str
    name: str
    groups: list[str] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)  #: department, partner, hub_projects
    sub: str = ""

    def __post_init__(self) -> None:
        self.sub = self.sub or f"user-{hashlib.sha256(self.username.encode()).hexdigest()[:12]}"

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


@dataclass
class OidcClient:
    """A relying party: the hub's dashboard."""

    client_id: str
    secret: str | None  #: None: a public client (PKCE is then its only proof)
    redirect_uris: list[str] = field(default_factory=list)  #: empty: any local URL
    post_logout_redirect_uris: list[str] = field(default_factory=list)

    def may_redirect(self, uri: str, allowed: list[str]) -> bool:
        return uri in allowed if allowed else uri.startswith(("http://127.0.0.1",
                                                              "http://localhost"))


@dataclass
class Grant:
    """An authorization code, until it is redeemed (once) or expires."""

    client_id: str
    redirect_uri: str
    sub: str
    nonce: str | None
    challenge: str
    scope: str
    expires_at: datetime


def seeded_users() -> list[OidcUser]:
    """Who `hub sandbox oidc` knows: one person per hub role, and one the hub gives no role."""
    return [
        OidcUser("ada", "Ada Admin", ["hub-admins"]),
        OidcUser("max", "Max Manager", ["managers"]),
        OidcUser("rita", "Rita Research", ["staff"], {"department": "R&D"}),
        OidcUser("pat", "Pat Partner", ["partners"], {"partner": "Acme"}),
        OidcUser("vic", "Vic Viewer", ["auditors"]),
        OidcUser("nora", "Nora Nobody", []),
    ]


class OidcOptions(SandboxOptions):
    """`hub sandbox oidc` options."""

    client_id: str = Field(default="hub-dashboard", description="the dashboard's client id")
    client_secret: str = Field(default="sandbox-client-secret",
                               description="its secret (empty: a public client)")
    audience: str = Field(default="hub-api", description="the aud of access tokens")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OidcProvider:
    """A local OpenID Connect provider: discovery, rotating keys, code flow with PKCE,
    userinfo, end-session; seeded users in groups.

    The `oidc` sandbox of `hub sandbox`, and the identity provider of tests and `hub demo`.
    """

    title: ClassVar[str] = "OIDC provider"
    default_port: ClassVar[int] = 8089
    options: ClassVar[type[OidcOptions]] = OidcOptions

    def __init__(self, issuer: str | None = None, *, users: list[OidcUser] | None = None,
                 clients: list[OidcClient] | None = None, audience: str = "hub-api",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        from hub.testing.oidc_routes import provider_app

        #: the issuer URL; None: taken from each request (`hub sandbox oidc` on any port)
        self.issuer = issuer.rstrip("/") if issuer else None
        self.users = {u.username: u for u in (users or seeded_users())}
        self.clients = {c.client_id: c for c in clients or [
            OidcClient("hub-dashboard", "sandbox-client-secret")]}
        self.audience, self.clock = audience, clock
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.signing_kid = ""
        self.rotate()
        self.grants: dict[str, Grant] = {}
        self.signed_in: dict[str, str] = {}  #: browser session -> sub
        #: requests served per path (tests count JWKS fetches)
        self.requests: dict[str, int] = {}
        self.app = provider_app(self)

    @classmethod
    def from_options(cls, options: OidcOptions) -> OidcProvider:
        return cls(audience=options.audience, clients=[OidcClient(
            options.client_id, options.client_secret or None)])

    def welcome(self) -> list[str]:
        client = next(iter(self.clients.values()))
        lines = [f"client {client.client_id}, secret {client.secret or '(public client)'}; "
                 f"access tokens for audience {self.audience}",
                 f"users (password {PASSWORD!r}; or sign in at once with login_hint=<user>):"]
        lines += [f"  {u.username:6} {u.name:14} groups {', '.join(u.groups) or '-'} "
                  f"{json.dumps(u.claims) if u.claims else ''}" for u in self.users.values()]
        return lines

    # keys ------------------------------------------------------------------------------------

    def rotate(self, *, keep_old: bool = True) -> str:
        """Sign with a new key from now on; the old ones stay published unless `keep_old` is
        false (tokens they signed then fail). Returns the new key's id."""
        if not keep_old:
            self.keys.clear()
        kid = f"k{len(self.keys) + 1}-{secrets.token_hex(4)}"
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_kid = kid
        return kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    # tokens ----------------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any], *, kid: str | None = None,
             headers: dict[str, Any] | None = None) -> str:
        kid = kid or self.signing_kid
        return jwt.encode(claims, self.keys[kid], algorithm="RS256",
                          headers={"kid": kid, "typ": "JWT", **(headers or {})})

    def user_claims(self, user: OidcUser) -> dict[str, Any]:
        return {"sub": user.sub, "name": user.name, "preferred_username": user.username,
                "email": user.email, "email_verified": True, "groups": list(user.groups),
                **user.claims}

    def mint(self, username: str, *, issuer: str | None = None, audience: Any = None,
             lifetime: timedelta = TOKEN_LIFETIME, issued_at: datetime | None = None,
             extra: dict[str, Any] | None = None, kid: str | None = None) -> str:
        """An access token for `username` as the token endpoint gives it (tests tweak it)."""
        now = issued_at or self.clock()
        claims = {**self.user_claims(self.users[username]),
                  "iss": issuer or self.issuer, "aud": audience or self.audience,
                  "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
                  "exp": int((now + lifetime).timestamp()), "jti": secrets.token_hex(8),
                  "scope": "openid profile email", **(extra or {})}
        return self.sign(claims, kid=kid)

    def user_of(self, sub: str) -> OidcUser | None:
        return next((u for u in self.users.values() if u.sub == sub), None)

    def login(self, username: str, password: str) -> OidcUser | None:
        user = self.users.get(username)
        ok = user is not None and hmac.compare_digest(password.encode(), PASSWORD.encode())
        return user if ok else None

    def issue_code(self, client_id: str, redirect_uri: str, user: OidcUser, nonce: str | None,
                   challenge: str, scope: str) -> str:
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(client_id, redirect_uri, user.sub, nonce, challenge, scope,
                                  self.clock() + CODE_LIFETIME)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str, verifier: str,
               issuer: str) -> dict[str, Any] | str:
        """The token answer for a code, or the error (`invalid_grant: why`). A code is taken
        out at its first use, good or bad (RFC 6749 §4.1.2: one use only)."""
        grant = self.grants.pop(code, None)
        if grant is None or grant.expires_at <= self.clock():
            return "invalid_grant: the code is unknown, used or expired"
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            return "invalid_grant: the code was issued to another client or redirect_uri"
        expected = _b64(hashlib.sha256(verifier.encode()).digest())
        if not verifier or not hmac.compare_digest(expected, grant.challenge):
            return "invalid_grant: the code_verifier does not match the code_challenge"
        user = self.user_of(grant.sub)
        if user is None:
            return "invalid_grant: the user is gone"
        now = self.clock()
        access = self.mint(user.username, issuer=issuer, issued_at=now,
                           extra={"azp": client_id, "scope": grant.scope})
        half = hashlib.sha256(access.encode()).digest()[:16]
        id_token = self.sign({
            **self.user_claims(user), "iss": issuer, "aud": client_id, "azp": client_id,
            "iat": int(now.timestamp()), "exp": int((now + TOKEN_LIFETIME).timestamp()),
            "auth_time": int(now.timestamp()), "at_hash": _b64(half),
            **({"nonce": grant.nonce} if grant.nonce else {})})
        return {"access_token": access, "token_type": "Bearer", "id_token": id_token,
                "expires_in": int(TOKEN_LIFETIME.total_seconds()), "scope": grant.scope}

    def discovery(self, issuer: str) -> dict[str, Any]:
        return {
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token", "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks", "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"], "grant_types_supported":
                ["authorization_code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post", "none"],
            "scopes_supported": ["openid", "profile", "email", "groups"],
            "claims_supported": ["sub", "name", "preferred_username", "email", "groups",
                                 "department", "partner", "hub_projects"]}
