"""Salesforce over simple-salesforce, kept off the event loop: every call runs in a bounded
thread pool (simple-salesforce is synchronous, on requests). The client signs in with the OAuth
2.0 JWT bearer flow or client credentials, signs in again on INVALID_SESSION_ID, tracks the
daily API allocation from `Sforce-Limit-Info`, and turns Salesforce's answers into the hub's
errors: `Retriable` (403 REQUEST_LIMIT_EXCEEDED, 5xx, network), `Permanent` (with Salesforce's
`[{"message", "errorCode", "fields"}]` in `errors`), `AuthenticationFailed`."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import jwt
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from connectors.salesforce.config import SalesforceConfig
from hub.errors import AuthenticationFailed, Permanent, Retriable

T = TypeVar("T")
_USAGE = re.compile(r"api-usage=([0-9]+)/([0-9]+)")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Usage:
    """The org's API calls used today and its daily allocation (from Sforce-Limit-Info)."""

    used: int
    allowed: int


class Refused(Permanent):
    """Salesforce refused a call; `errors` are its `[{"message", "errorCode", "fields"}]`."""

    def __init__(self, reason: str, errors: list[dict[str, Any]], *, status: int) -> None:
        super().__init__(reason, status=status)
        self.errors = errors


class _Session(requests.Session):
    """A requests session with a default timeout that notes `Sforce-Limit-Info` answers."""

    def __init__(self, timeout: float, on_usage: Callable[[Usage], None]) -> None:
        super().__init__()
        self.default_timeout, self.on_usage = timeout, on_usage

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        if isinstance(self.verify, str):  # a configured CA bundle beats REQUESTS_CA_BUNDLE
            kwargs.setdefault("verify", self.verify)
        response = super().request(str(method), str(url), *args, **kwargs)
        found = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.on_usage(Usage(int(found.group(1)), int(found.group(2))))
        return response


class SalesforceClient:
    """One org's API for one connector: sign-in, the thread pool, limits and errors."""

    def __init__(self, config: SalesforceConfig) -> None:
        self.config = config
        self.usage: Usage | None = None
        self._pool = ThreadPoolExecutor(max_workers=config.concurrency,
                                        thread_name_prefix="salesforce")
        self._session = _Session(config.timeout.total_seconds(), self._note)
        self._session.verify = str(config.ca_bundle) if config.ca_bundle else True
        self._lock = threading.Lock()
        self._sf: Salesforce | None = None
        self.sign_ins = 0
        #: the time assertions are issued at (a test org's clock in tests)
        self.clock: Callable[[], float] = time.time

    def _note(self, usage: Usage) -> None:
        self.usage = usage

    # -- running calls ------------------------------------------------------------------------
    async def run(self, call: Callable[[Salesforce], T]) -> T:
        """Run `call` with the signed-in API in the pool; one new sign-in on an expired
        session; Salesforce's refusals as the hub's errors."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._run, call)

    def _run(self, call: Callable[[Salesforce], T]) -> T:
        sf = self._signed_in()
        try:
            try:
                return call(sf)
            except SalesforceExpiredSession:
                return call(self._signed_in(stale=sf))  # INVALID_SESSION_ID: a new token
        except SalesforceError as exc:
            raise self._translate(exc) from None
        except requests.RequestException as exc:
            raise Retriable(f"salesforce: {type(exc).__name__} talking to the org") from None

    def _translate(self, exc: SalesforceError) -> Exception:
        content = exc.content
        errors: list[dict[str, Any]] = [e for e in content if isinstance(e, dict)] \
            if isinstance(content, list) else []
        code = str(errors[0].get("errorCode", "")) if errors else ""
        words = "; ".join(f"{e.get('errorCode')}: {e.get('message')}" for e in errors) \
            or f"HTTP {exc.status}"
        if code == "REQUEST_LIMIT_EXCEEDED":
            return Retriable(f"salesforce: the org's daily API allocation is used up ({words});"
                             " trying again later", retry_after=self.config.limit_wait
                             .total_seconds())
        if exc.status in (401,):
            return AuthenticationFailed(f"salesforce: {words}", status=exc.status)
        if exc.status >= 500 or exc.status == 429:
            return Retriable(f"salesforce: {words}")
        return Refused(f"salesforce: {words}", errors, status=exc.status)

    async def aclose(self) -> None:
        """Stop the pool and the session."""
        self.close()

    def close(self) -> None:
        """Stop the pool and close the session's connections."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._session.close()

    # -- signing in ---------------------------------------------------------------------------
    def _signed_in(self, stale: Salesforce | None = None) -> Salesforce:
        with self._lock:
            if self._sf is None or self._sf is stale:
                token, instance = self._token()
                # Plain dicts: simple-salesforce's default OrderedDict hook costs a Python
                # call per JSON object of every batch.
                self._sf = Salesforce(instance_url=instance, session_id=token,
                                      version=self.config.api_version, session=self._session,
                                      object_pairs_hook=dict)
                self.sign_ins += 1
            return self._sf

    def _token(self) -> tuple[str, str]:
        config = self.config
        if config.auth == "jwt":
            form = {"grant_type": JWT_GRANT, "assertion": self.assertion()}
            url = f"{config.login_url.rstrip('/')}/services/oauth2/token"
        else:
            secret = config.client_secret.get_secret_value() if config.client_secret else ""
            form = {"grant_type": "client_credentials", "client_id": config.client_id,
                    "client_secret": secret}
            url = f"{config.instance_url.rstrip('/')}/services/oauth2/token"
        try:
            answer = self._session.post(url, data=form)
        except requests.RequestException as exc:
            raise Retriable(f"salesforce: {type(exc).__name__} reaching {url}") from None
        if answer.status_code >= 500:
            raise Retriable(f"salesforce: the token endpoint answered {answer.status_code}")
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error", answer.status_code) if isinstance(body, dict) else ""
            description = body.get("error_description", "") if isinstance(body, dict) else ""
            raise AuthenticationFailed(
                f"salesforce: sign-in refused ({config.auth}): {error}: {description}; check "
                "the connected app's consumer key, certificate, pre-authorized user and "
                "login_url", status=answer.status_code)
        return str(body["access_token"]), str(body.get("instance_url") or config.instance_url)

    def assertion(self, lifetime: float = 180.0) -> str:
        """A JWT bearer assertion: issued by the connected app, for the user, to the login
        URL, valid three minutes, signed RS256 with the private key."""
        config = self.config
        key = config.private_key.get_secret_value() if config.private_key else \
            (config.private_key_file.read_text() if config.private_key_file else "")
        claims = {"iss": config.client_id, "sub": config.username,
                  "aud": (config.audience or config.login_url).rstrip("/"),
                  "exp": int(self.clock() + lifetime)}
        try:
            return jwt.encode(claims, key, algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError):
            raise AuthenticationFailed("salesforce: the private key is not an RSA key in PEM "
                                       "form") from None

    # -- budget -------------------------------------------------------------------------------
    def near_limit(self) -> bool:
        """Whether the calls left today are within the reserve kept for others."""
        usage = self.usage
        return usage is not None and usage.used >= usage.allowed - self.config.api_reserve
