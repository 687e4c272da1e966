"""The API takes OIDC access tokens from the configured provider: the claims decide the role,
department and partner scope; every bad token is a 401 that says why; hub tokens still work."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.auth.oidc import OidcVerifier
from hub.config.sso import IssuerConfig, SsoConfig
from hub.store.auth import Role
from hub.store.sync import AuditEntry
from hub.testing.oidc_provider import OidcProvider
from hub.testing.server import free_port
from tests.api.world import NOW, World
from tests.auth.idp import REFETCH_EVERY, Ticks, bearer, jwks_fetches


def _keys(answer: Any) -> list[str]:
    return sorted(item["key"] for item in answer.json()["items"])


def _titles(answer: Any) -> list[str]:
    return sorted(item["title"] for item in answer.json()["items"])


def test_claims_give_role_department_and_partner_scope(client: TestClient,
                                                       op: OidcProvider) -> None:
    admin = bearer(op.mint("ada"))  # in hub-admins and staff: the stronger role wins
    assert _keys(client.get("/api/v1/projects", headers=admin)) == ["MK", "RD"]
    assert client.get("/api/v1/conflicts", headers=admin).status_code == 200

    rnd = bearer(op.mint("rita"))
    assert _keys(client.get("/api/v1/projects", headers=rnd)) == ["RD"]
    assert _titles(client.get("/api/v1/tasks", headers=rnd)) == ["Design gearbox", "Pick motor"]

    partner = bearer(op.mint("pat"))  # Acme's shared projects come from the config's table
    assert _keys(client.get("/api/v1/projects", headers=partner)) == ["RD"]
    assert _titles(client.get("/api/v1/tasks", headers=partner)) == ["Design gearbox",
                                                                     "Pick motor"]
    people = client.get("/api/v1/people", headers=partner).json()["items"]
    assert people
    assert all(set(p) <= {"id", "display_name"} for p in people)
    assert client.get("/api/v1/conflicts", headers=partner).status_code == 403

    # A projects claim in the token takes precedence over the table.
    shared_mk = bearer(op.mint("pat", extra={"hub_projects": ["MK"]}))
    assert _keys(client.get("/api/v1/projects", headers=shared_mk)) == ["MK"]


def test_hub_tokens_keep_working_beside_sso(client: TestClient, world: World) -> None:
    answer = client.get("/api/v1/projects", headers=world.auth("department"))
    assert answer.status_code == 200
    assert _keys(answer) == ["RD"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forged(op: OidcProvider, alg: str, sign: Any) -> str:
    claims = json.loads(base64.urlsafe_b64decode(op.mint("ada").split(".")[1] + "=="))
    head = _b64(json.dumps({"alg": alg, "typ": "JWT", "kid": op.signing_kid}).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{sign(f'{head}.{body}'.encode())}"


def _alg_none(op: OidcProvider) -> str:
    return _forged(op, "none", lambda _: "")


def _hs256_with_public_key(op: OidcProvider) -> str:
    # The classic confusion: the provider's public key (which anyone can fetch) used as an
    # HMAC secret, hoping the verifier takes the alg from the token.
    public = op.keys[op.signing_kid].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _forged(op, "HS256",
                   lambda data: _b64(hmac.new(public, data, hashlib.sha256).digest()))


def _unknown_kid(op: OidcProvider) -> str:
    stranger = OidcProvider(op.issuer, users=list(op.users.values()), clock=op.clock)
    return stranger.mint("ada")  # right issuer and claims, a key the provider never published


CASES: dict[str, tuple[Callable[[OidcProvider], str], str]] = {
    "expired": (lambda op: op.mint("ada", issued_at=NOW - timedelta(hours=2)),
                "the token expired at 2026-11-02T07:15:00+00:00"),
    "wrong audience": (lambda op: op.mint("ada", audience="another-app"),
                       "the token is not meant for this hub: its audience is 'another-app'"),
    "wrong issuer": (lambda op: op.mint("ada", issuer="https://id.elsewhere.example"),
                     "the token's issuer 'https://id.elsewhere.example' is not one the hub "
                     "trusts"),
    "unknown kid": (_unknown_kid, "is not among local's keys, even after fetching them again"),
    "alg none": (_alg_none, "unsigned tokens (alg none) are never accepted"),
    "HS256 with the public key": (_hs256_with_public_key, "alg 'HS256' is not accepted: local "
                                                          "tokens must be signed with RS256, "
                                                          "ES256"),
    "not yet valid": (lambda op: op.mint("ada", issued_at=NOW + timedelta(hours=1)),
                      "the token is not valid before 2026-11-02T10:00:00+00:00"),
    "not a JWT": (lambda op: "a.b.c", "the token is not a well-formed JWT"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_tokens_are_401_with_the_reason(client: TestClient, op: OidcProvider,
                                            case: str) -> None:
    make, reason = CASES[case]
    token = make(op)
    answer = client.get("/api/v1/projects", headers=bearer(token))
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert reason in answer.json()["detail"]
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    assert token not in answer.text


def test_skew_within_the_leeway_is_accepted(client: TestClient, op: OidcProvider) -> None:
    # Expired 30 s ago, issued 30 s ahead: both within the default minute of clock skew.
    late = op.mint("rita", issued_at=NOW - timedelta(minutes=15, seconds=30))
    early = op.mint("rita", issued_at=NOW + timedelta(seconds=30))
    for token in (late, early):
        assert client.get("/api/v1/projects", headers=bearer(token)).status_code == 200


def test_key_rotation_takes_effect_without_a_restart(client: TestClient, op: OidcProvider,
                                                    ticks: Ticks) -> None:
    before = op.mint("ada")
    assert client.get("/api/v1/projects", headers=bearer(before)).status_code == 200
    assert jwks_fetches(op) == 1

    op.rotate(keep_old=False)  # the provider signs with a new key and withdraws the old one
    ticks.now += REFETCH_EVERY.total_seconds()
    after = op.mint("ada")
    assert client.get("/api/v1/projects", headers=bearer(after)).status_code == 200
    assert jwks_fetches(op) == 2  # the new kid cost one fetch of the keys
    for _ in range(3):
        assert client.get("/api/v1/projects", headers=bearer(op.mint("rita"))).status_code == 200
    assert jwks_fetches(op) == 2  # ...and only one


def test_a_flood_of_unknown_kids_fetches_the_keys_at_most_once_per_interval(
        client: TestClient, op: OidcProvider, ticks: Ticks) -> None:
    assert client.get("/api/v1/projects", headers=bearer(op.mint("ada"))).status_code == 200
    ticks.now += REFETCH_EVERY.total_seconds()
    flood = [_unknown_kid(op) for _ in range(3)]
    strangers = [_forged_kid(op, f"nope-{i}") for i in range(20)]
    for token in [*flood, *strangers]:
        answer = client.get("/api/v1/projects", headers=bearer(token))
        assert answer.status_code == 401
        assert "even after fetching them again" in answer.json()["detail"]
    assert jwks_fetches(op) == 2  # the first unknown kid refetched; the other 22 did not

    ticks.now += REFETCH_EVERY.total_seconds()
    assert client.get("/api/v1/projects", headers=bearer(strangers[0])).status_code == 401
    assert jwks_fetches(op) == 3
    # Known kids never wait for the limit: the provider's own tokens pass all along.
    assert client.get("/api/v1/projects", headers=bearer(op.mint("ada"))).status_code == 200
    assert jwks_fetches(op) == 3


def _forged_kid(op: OidcProvider, kid: str) -> str:
    return op.sign({**json.loads(base64.urlsafe_b64decode(
        op.mint("ada").split(".")[1] + "=="))}, headers={"kid": kid})


def test_a_token_that_maps_to_no_role_is_403_with_the_reason(client: TestClient,
                                                             op: OidcProvider) -> None:
    answer = client.get("/api/v1/projects", headers=bearer(op.mint("nora")))
    assert answer.status_code == 403
    detail = answer.json()["detail"]
    assert "maps to no hub role: your groups/roles are canteen" in detail
    assert "admin: hub-admins" in detail

    no_department = op.mint("rita", extra={"department": None})
    answer = client.get("/api/v1/projects", headers=bearer(no_department))
    assert answer.status_code == 403
    assert "gives the department role but no department" in answer.json()["detail"]


def test_writes_record_the_person(client: TestClient, op: OidcProvider, world: World,
                                  engine: Engine) -> None:
    headers = bearer(op.mint("rita"))
    task = client.get(f"/api/v1/tasks/{world.ids['rd_task']}", headers=headers)
    answer = client.patch(f"/api/v1/tasks/{world.ids['rd_task']}", json={"title": "Gearbox v2"},
                          headers={**headers, "If-Match": task.headers["ETag"]})
    assert answer.status_code == 200, answer.text
    sub = op.users["rita"].sub
    with Session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.record_id == world.ids["rd_task"]).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert entry.source == f"sso:local#{sub}"
    assert entry.actor == {"issuer": op.issuer, "subject": sub, "name": "Rita Research",
                           "via": "api"}


def test_an_unreachable_provider_is_503_not_401(app: FastAPI, client: TestClient,
                                                op: OidcProvider) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    sso = SsoConfig(issuers={"gone": IssuerConfig(issuer=gone, audience=["hub-api"],
                                                  roles={Role.admin: ["hub-admins"]})})
    app.state.oidc = OidcVerifier(sso)
    answer = client.get("/api/v1/projects", headers=bearer(op.mint("ada", issuer=gone)))
    assert answer.status_code == 503
    assert "its discovery document could not be read" in answer.json()["detail"]
    app.state.oidc.close()
