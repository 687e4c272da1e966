"""The local OIDC provider speaks the specs the hub relies on: discovery, JWKS, the code flow
with PKCE S256 and client authentication, userinfo, end-session; and `hub sandbox oidc`
serves it."""

from __future__ import annotations

import base64
import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt

from hub.testing.oidc_provider import OidcProvider
from hub.testing.server import free_port
from tests.auth.idp import CLIENT_SECRET
from tests.plugins import run_hub

VERIFIER = "v" * 20 + "-the-code-verifier-of-this-test-0123456789"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()) \
    .rstrip(b"=").decode()
REDIRECT = "http://127.0.0.1:9/callback"


def _code(op: OidcProvider, user: str = "rita", nonce: str = "n-1") -> str:
    answer = httpx.get(f"{op.issuer}/authorize", params={
        "client_id": "hub-dashboard", "response_type": "code", "scope": "openid profile",
        "redirect_uri": REDIRECT, "state": "s-1", "nonce": nonce, "login_hint": user,
        "code_challenge": CHALLENGE, "code_challenge_method": "S256"})
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["s-1"]
    return query["code"][0]


def _token(op: OidcProvider, code: str, verifier: str = VERIFIER,
           secret: str = CLIENT_SECRET) -> httpx.Response:
    return httpx.post(f"{op.issuer}/token", auth=("hub-dashboard", secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": verifier})


def test_the_code_flow_gives_verifiable_tokens(op: OidcProvider) -> None:
    found = httpx.get(f"{op.issuer}/.well-known/openid-configuration").json()
    assert found["issuer"] == op.issuer
    assert found["code_challenge_methods_supported"] == ["S256"]
    keys = jwt.PyJWKSet.from_dict(httpx.get(found["jwks_uri"]).json())

    tokens = _token(op, _code(op)).json()
    header = jwt.get_unverified_header(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], keys[header["kid"]].key, algorithms=["RS256"],
                        audience="hub-dashboard", issuer=op.issuer,
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["nonce"] == "n-1"
    assert claims["groups"] == ["staff"]
    assert claims["department"] == "R&D"
    info = httpx.get(found["userinfo_endpoint"],
                     headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.json()["sub"] == claims["sub"]
    assert httpx.get(found["userinfo_endpoint"],
                     headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_token_endpoint_refuses_what_the_specs_refuse(op: OidcProvider) -> None:
    wrong_verifier = _token(op, _code(op), verifier="x" * 50)
    assert wrong_verifier.status_code == 400
    assert wrong_verifier.json()["error"] == "invalid_grant"

    code = _code(op)
    assert _token(op, code, secret="not-it").status_code == 401  # invalid_client
    assert _token(op, code).status_code == 200
    reused = _token(op, code)  # a code is good once
    assert reused.json()["error"] == "invalid_grant"


def test_rotation_publishes_the_new_key(op: OidcProvider) -> None:
    first = op.signing_kid
    second = op.rotate()
    kids = [k["kid"] for k in httpx.get(f"{op.issuer}/jwks").json()["keys"]]
    assert kids == [first, second]
    op.rotate(keep_old=False)
    assert [k["kid"] for k in httpx.get(f"{op.issuer}/jwks").json()["keys"]] == [op.signing_kid]


def test_hub_sandbox_oidc_serves_until_interrupted() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "hub", "sandbox", "oidc", "--port",
                               str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline, found = time.monotonic() + 30, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                found = httpx.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration",
                                  timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)  # polling a subprocess's socket: no event to wait on
        assert found is not None, "the provider did not answer"
        assert found.json()["issuer"] == f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)
    assert server.returncode == 0, output
    assert "client hub-dashboard, secret sandbox-client-secret" in output
    assert "ada" in output
    assert "Ada Admin" in output


def test_hub_check_reads_each_providers_discovery_and_keys(op: OidcProvider,
                                                           tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        f"database: sqlite:///{tmp_path / 'hub.db'}\n"
        f"sso:\n  issuers:\n    local:\n      issuer: {op.issuer}\n      audience: hub-api\n"
        f"      roles: {{admin: [hub-admins]}}\n"
        f"    gone:\n      issuer: http://127.0.0.1:{free_port()}\n      audience: hub-api\n"
        f"      roles: {{admin: [hub-admins]}}\n")
    check = run_hub("check", "--config", "config.yaml", cwd=tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr  # one provider is down
    lines = check.stdout.splitlines()
    assert any("sso local" in line and "1 signing key(s), end-session" in line
               for line in lines), check.stdout
    assert any("sso gone" in line and "FAILED" in line for line in lines), check.stdout
