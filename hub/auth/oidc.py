"""OIDC tokens from the configured identity providers: discovery, the providers' signing keys
(cached; an unknown `kid` fetches them again, at most once per `jwks_refetch_every`), and the
checks on a JWT: its algorithm (asymmetric ones the config allows: never `none`, never HMAC),
signature, issuer, audience, expiry and not-before (with the config's clock skew).

PyJWT does the cryptography; the clock is the caller's (the API's), so expiry is judged by the
same clock as everything else the hub does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt

from hub.auth.claims import to_principal
from hub.auth.principal import Principal
from hub.config.sso import IssuerConfig, SsoConfig

#: keys are fetched again after this long even if every `kid` is known (removed keys go away)
KEYS_MAX_AGE = 3600.0
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}


class OidcRefused(Exception):
    """A token the hub does not take (401); the message says why, without the token."""


class OidcUnavailable(Exception):
    """The identity provider could not be asked (503): its discovery or keys did not load."""


def looks_like_jwt(secret: str) -> bool:
    """Three dot-separated parts: a JWT (a hub token has no dots)."""
    return secret.count(".") == 2


@dataclass(frozen=True)
class Discovery:
    """What a provider's `.well-known/openid-configuration` says the hub needs."""

    issuer: str
    jwks_uri: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    token_auth_methods: tuple[str, ...]


class ProviderKeys:
    """One provider: its discovery document and signing keys, fetched when first needed."""

    def __init__(self, name: str, settings: IssuerConfig, http: httpx.Client,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.name, self.settings, self.http, self._monotonic = name, settings, http, monotonic
        self._discovery: Discovery | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        #: how many times the keys were fetched (operators and tests watch it)
        self.fetches = 0

    def discovery(self) -> Discovery:
        """The provider's discovery document (read once)."""
        if self._discovery is None:
            url = f"{self.settings.issuer}/.well-known/openid-configuration"
            doc = self._get_json(url, "discovery document")
            if doc.get("issuer") != self.settings.issuer:
                raise OidcUnavailable(f"{self.name}: the discovery document names issuer "
                                      f"{str(doc.get('issuer'))[:200]!r}, the config "
                                      f"{self.settings.issuer!r} (they must be equal)")
            try:
                self._discovery = Discovery(
                    issuer=doc["issuer"], jwks_uri=doc["jwks_uri"],
                    authorization_endpoint=doc["authorization_endpoint"],
                    token_endpoint=doc["token_endpoint"],
                    userinfo_endpoint=doc.get("userinfo_endpoint"),
                    end_session_endpoint=doc.get("end_session_endpoint"),
                    token_auth_methods=tuple(doc.get("token_endpoint_auth_methods_supported")
                                             or ("client_secret_basic",)))
            except KeyError as exc:
                raise OidcUnavailable(f"{self.name}: the discovery document lacks "
                                      f"{exc.args[0]}") from None
        return self._discovery

    def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The signing key `kid` (the only key when a token names none); unknown keys fetch
        the set again, unless it was fetched less than `jwks_refetch_every` ago."""
        with self._lock:
            now = self._monotonic()
            stale = self._fetched_at is None or now - self._fetched_at >= KEYS_MAX_AGE
            if stale or (self._pick(kid) is None and now - (self._fetched_at or 0.0)
                         >= self.settings.jwks_refetch_every.total_seconds()):
                self._fetch(now)
            return self._pick(kid)

    @property
    def key_count(self) -> int:
        """How many usable signing keys the last fetch found."""
        return len(self._keys)

    def _pick(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _fetch(self, now: float) -> None:
        doc = self._get_json(self.discovery().jwks_uri, "signing keys (JWKS)")
        self.fetches += 1
        self._fetched_at = now
        keys: dict[str, jwt.PyJWK] = {}
        for i, data in enumerate(doc.get("keys") or []):
            if not isinstance(data, dict) or data.get("use", "sig") != "sig":
                continue
            try:
                keys[str(data.get("kid", f"#{i}"))] = jwt.PyJWK(data)
            except jwt.PyJWTError:
                continue  # a key type this hub can't use: tokens signed with it are refused
        self._keys = keys

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            answer = self.http.get(url)
            answer.raise_for_status()
            doc = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcUnavailable(f"{self.name}: its {what} could not be read from {url} "
                                  f"({type(exc).__name__})") from None
        if not isinstance(doc, dict):
            raise OidcUnavailable(f"{self.name}: its {what} at {url} is not a JSON object")
        return doc


class OidcVerifier:
    """Every configured provider; verifies tokens and maps them to principals."""

    def __init__(self, config: SsoConfig, http: httpx.Client | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.http = http or httpx.Client(timeout=10, follow_redirects=False)
        self.providers = {name: ProviderKeys(name, settings, self.http, monotonic)
                          for name, settings in config.issuers.items()}
        self._by_issuer = {p.settings.issuer: p for p in self.providers.values()}

    def close(self) -> None:
        self.http.close()

    def verify(self, token: str, now: datetime, *, provider: str | None = None,
               audience: list[str] | None = None, nonce: str | None = None
               ) -> tuple[ProviderKeys, dict[str, Any]]:
        """The provider and claims of a valid token; OidcRefused says why it isn't one.
        An API access token must carry one of the provider's `audience`; an ID token (sign-in)
        its client id and the sign-in's `nonce`."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OidcRefused("the token is not a well-formed JWT") from None
        issuer = unverified.get("iss")
        keys = self.providers.get(provider) if provider else \
            self._by_issuer.get(issuer) if isinstance(issuer, str) else None
        if keys is None or keys.settings.issuer != issuer:
            trusted = ", ".join(self._by_issuer) or "none"
            raise OidcRefused(f"the token's issuer {str(issuer)[:200]!r} is not one the hub "
                              f"trusts ({trusted})")
        settings = keys.settings
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in settings.algorithms:
            what = "unsigned tokens (alg none) are never accepted" \
                if str(alg).lower() == "none" else f"alg {str(alg)[:20]!r} is not accepted"
            raise OidcRefused(f"{what}: {keys.name} tokens must be signed with "
                              f"{', '.join(settings.algorithms)}")
        kid = header.get("kid")
        key = keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise OidcRefused(f"the token's signing key (kid {str(kid)[:80]!r}) is not among "
                              f"{keys.name}'s keys, even after fetching them again")
        if key.key_type != _KEY_TYPES.get(alg[:2]):
            raise OidcRefused(f"the token says alg {alg}, but key {str(kid)[:80]!r} is "
                              f"a {key.key_type} key")
        wanted = audience or settings.audience
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=[alg], audience=wanted, issuer=settings.issuer,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_exp": False,
                         "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidAudienceError:
            raise OidcRefused(f"the token is not meant for this hub: its audience is "
                              f"{_aud(unverified)}, the hub expects "
                              f"{' or '.join(wanted)}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise OidcRefused(f"the token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise OidcRefused("the token's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise OidcRefused(f"the token is not valid ({type(exc).__name__})") from None
        _check_times(claims, now, settings.leeway.total_seconds())
        if nonce is not None and claims.get("nonce") != nonce:
            raise OidcRefused("the ID token's nonce is not this sign-in's")
        return keys, claims

    def principal(self, token: str, now: datetime) -> Principal:
        """The principal of an API access token (OidcRefused: 401; NoRole: 403)."""
        keys, claims = self.verify(token, now)
        return to_principal(claims, keys.name, keys.settings)


def _aud(claims: Mapping[str, Any]) -> str:
    aud = claims.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    return " and ".join(repr(str(v)[:100]) for v in values[:5])


def _check_times(claims: Mapping[str, Any], now: datetime, leeway: float) -> None:
    at = now.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise OidcRefused("the token's exp is not a time")
    if at > exp + leeway:
        raise OidcRefused(f"the token expired at "
                          f"{datetime.fromtimestamp(exp, UTC).isoformat()}: get a new one")
    if nbf is not None:
        if not isinstance(nbf, int | float) or isinstance(nbf, bool):
            raise OidcRefused("the token's nbf is not a time")
        if at + leeway < nbf:
            raise OidcRefused(f"the token is not valid before "
                              f"{datetime.fromtimestamp(nbf, UTC).isoformat()}")
