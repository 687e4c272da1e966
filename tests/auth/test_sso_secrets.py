"""No token, authorization code or client secret of single sign-on shows in the logs, in an
answer of the hub, or in `hub config show`."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.config.sso import SsoConfig
from hub.redact import REDACTOR
from hub.testing.oidc_provider import OidcProvider
from hub.testing.server import serve
from tests.api.world import NOW, seed
from tests.auth.idp import CLIENT_SECRET, bearer, served_provider, sso_config
from tests.plugins import run_hub
from tests.sync.harness import fake_config, fake_registry, fake_tools

WRONG_SECRET = "not-the-client-secret-at-all"


def _record_issued(op: OidcProvider, issued: list[str]) -> None:
    """Keep every code and token the provider hands out, to look for them afterwards."""
    issue_code, redeem = op.issue_code, op.redeem

    def code(*args: Any) -> str:
        issued.append(issue_code(*args))
        return issued[-1]

    def tokens(*args: Any) -> dict[str, Any] | str:
        answer = redeem(*args)
        if isinstance(answer, dict):
            issued.extend([answer["access_token"], answer["id_token"]])
        return answer

    op.issue_code = code  # type: ignore[method-assign,assignment]
    op.redeem = tokens  # type: ignore[method-assign,assignment]


def _hub(engine: Engine, sso: SsoConfig) -> Any:
    app = create_app(fake_config(fake_tools(["a", "b"])).model_copy(update={"sso": sso}),
                     engine, fake_registry())
    app.state.clock = lambda: NOW
    return app


def test_sign_in_api_calls_and_failures_leave_no_secret_behind(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    seed(engine)
    caplog.set_level(logging.DEBUG)
    issued: list[str] = []
    answers: list[str] = []
    with served_provider() as op:
        _record_issued(op, issued)
        good = sso_config(op)
        settings = good.issuers["local"]
        wrong = SsoConfig(issuers={"local": settings.model_copy(
            update={"client_secret": SecretStr(WRONG_SECRET)})})
        with serve(_hub(engine, good)) as hub, \
                httpx.Client(follow_redirects=True, timeout=10) as browser:
            page = browser.get(f"{hub.url}/ui/sso/local", params={"login_hint": "ada"})
            assert page.status_code == 200
            answers.append(page.text)
            access = op.mint("ada")
            bad = [op.mint("ada", audience="elsewhere"), access + "x",
                   op.mint("ada", issued_at=NOW - timedelta(days=1)), op.mint("nora")]
            issued += [access, *bad]
            ok = httpx.get(f"{hub.url}/api/v1/projects", headers=bearer(access))
            assert ok.status_code == 200
            for token in bad:
                refused = httpx.get(f"{hub.url}/api/v1/projects", headers=bearer(token))
                assert refused.status_code in (401, 403)
                answers.append(refused.text + str(refused.headers))
        with serve(_hub(engine, wrong)) as hub, \
                httpx.Client(follow_redirects=True, timeout=10) as browser:
            failed = browser.get(f"{hub.url}/ui/sso/local", params={"login_hint": "ada"})
            assert failed.status_code == 401
            assert "the provider did not give tokens for the code (invalid_client)" \
                in failed.text
            answers.append(failed.text + str(failed.headers))
    assert len(issued) >= 8  # two codes, two token pairs, the minted ones
    # What the hub and the provider logged (the test's own client, in this thread, logs the
    # URLs it follows: the browser's history, not the hub's log).
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records
                       if r.threadName != "MainThread")
    assert "GET /ui/sso/local/callback 401" in logged  # the access log saw the sign-ins
    assert "HTTP Request: POST" in logged  # and the hub's calls to the token endpoint
    for secret in [*issued, CLIENT_SECRET, WRONG_SECRET]:
        assert secret not in logged
        for answer in answers:
            assert secret not in answer


def test_the_log_redactor_masks_tokens_and_codes_it_was_never_told_about() -> None:
    line = ('GET /ui/sso/kc/callback?state=s1&code=4f9a-code HTTP/1.1 200; Bearer '
            'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')
    assert REDACTOR(line) == "GET /ui/sso/kc/callback?state=s1&code=*** HTTP/1.1 200; Bearer ***"


def test_config_show_masks_the_client_secret(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "sso:\n  issuers:\n    keycloak:\n      issuer: https://id.example.com/realms/acme\n"
        "      audience: hub-api\n      client_id: hub-dashboard\n"
        "      client_secret: ${HUB_SSO_SECRET}\n      roles: {admin: [hub-admins]}\n")
    show = run_hub("config", "show", "--config", "config.yaml", cwd=tmp_path,
                   env={"HUB_SSO_SECRET": CLIENT_SECRET})
    assert show.returncode == 0, show.stderr
    assert "client_secret: '**********'" in show.stdout
    assert "issuer: https://id.example.com/realms/acme" in show.stdout
    assert CLIENT_SECRET not in show.stdout + show.stderr
