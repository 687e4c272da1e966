"""The Salesforce connector against the sandbox org over HTTPS: signing in (JWT bearer and
client credentials), a new token when the session expires, the daily API allocation, getDeleted
and its window, field-level refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SalesforceSandbox
from connectors.salesforce.sandbox.seed import make_key_pair
from hub.errors import AuthenticationFailed, Retriable
from hub.sdk.connector import FieldsRefused, LinkRef, RemoteRecord
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer
from tests.connectors.conftest import FakeClock
from tests.connectors.salesforce.conftest import USER, connector_for

pytestmark = pytest.mark.anyio


SignIn = Callable[..., SalesforceConnector]


@pytest.fixture
def sign_in(org: SalesforceSandbox, org_server: RunningServer, key_pair: tuple[str, str],
            tls: tuple[Path, Path], clock: FakeClock) -> Iterator[SignIn]:
    made: list[SalesforceConnector] = []

    def make(**overrides: object) -> SalesforceConnector:
        connector = connector_for(org, org_server.url, key_pair[0], tls[0], clock, **overrides)
        made.append(connector)
        return connector
    yield make
    for connector in made:
        connector.client.close()


async def test_a_valid_jwt_assertion_signs_in(sign_in: SignIn) -> None:
    result = await sign_in().check()
    assert result.ok
    assert "API calls used today" in result.detail


@pytest.mark.parametrize("case", ["audience", "expired", "key"])
async def test_a_bad_assertion_is_a_clear_authentication_failure(
        sign_in: SignIn, case: str, clock: FakeClock, org: SalesforceSandbox) -> None:
    other_key = make_key_pair()[0]
    connector = {
        "audience": lambda: sign_in(audience="https://test.salesforce.com"),
        "expired": lambda: sign_in(),
        "key": lambda: sign_in(private_key=SecretStr(other_key)),
    }[case]()
    if case == "expired":  # an assertion made ten minutes ago, valid three
        connector.client.clock = lambda: clock() - 600
    with pytest.raises(AuthenticationFailed) as info:
        await connector.check()
    expected = {"audience": "audience is invalid", "expired": "expired authorization code",
                "key": "invalid assertion"}[case]
    assert expected in str(info.value)
    assert other_key not in str(info.value)
    assert "PRIVATE KEY" not in str(info.value)


async def test_client_credentials_sign_in_and_a_wrong_secret(sign_in: SignIn) -> None:
    good = sign_in(auth="client_credentials", client_secret=SecretStr("hub-consumer-secret"))
    assert (await good.check()).ok
    bad = sign_in(auth="client_credentials", client_secret=SecretStr("not-the-secret"))
    with pytest.raises(AuthenticationFailed) as info:
        await bad.check()
    assert "invalid client credentials" in str(info.value)
    assert "not-the-secret" not in str(info.value)


async def test_an_expired_session_gets_a_new_token_and_the_call_succeeds(
        sign_in: SignIn, org: SalesforceSandbox) -> None:
    connector = sign_in()
    await connector.check()
    org.expire_sessions()
    assert (await connector.check()).ok
    assert connector.client.sign_ins == 2


async def test_a_backfill_stops_near_the_daily_limit_and_resumes_at_the_next_poll(
        sign_in: SignIn, org: SalesforceSandbox) -> None:
    account = org.create_account("Aurora Retail")
    for n in range(900):
        org.create_opportunity(f"Deal {n}", account["Id"])
    connector = sign_in(objects=["Opportunity"], batch_size=200, api_reserve=100)
    org.daily_limit, org.used = 104, 0  # sign-in is free; room for a few batches only
    read: list[RemoteRecord] = []
    cursor: str | None = None

    async def backfill() -> None:
        nonlocal cursor
        async for page in connector.poll(None):
            read.extend(page.records)
            cursor = page.cursor or cursor

    with pytest.raises(Retriable) as info:
        await backfill()
    assert "goes on at the next poll" in str(info.value)
    assert "API calls used today" in str(info.value)
    assert 0 < len(read) < 900
    org.daily_limit = 100_000  # a new day
    rest, _ = await poll_all(connector, cursor)
    ids = {r.remote_id for r in read} | {r.remote_id for r in rest if not r.deleted}
    assert len(ids) == 900


async def test_past_the_allocation_the_org_says_wait(
        sign_in: SignIn, org: SalesforceSandbox) -> None:
    connector = sign_in(limit_wait=timedelta(minutes=20))
    await connector.check()
    org.used = org.daily_limit
    with pytest.raises(Retriable) as info:
        await connector.check()
    assert info.value.retry_after == 20 * 60
    assert "REQUEST_LIMIT_EXCEEDED" in str(info.value)


async def test_deletions_come_from_get_deleted_and_past_15_days_from_a_scan(
        sign_in: SignIn, org: SalesforceSandbox, clock: FakeClock) -> None:
    account = org.create_account("Aurora Retail")
    first = org.create_opportunity("First", account["Id"])
    second = org.create_opportunity("Second", account["Id"])
    connector = sign_in()
    _, cursor = await poll_all(connector, None)
    clock.now += 60
    org.delete("Opportunity", first["Id"])
    later, cursor = await poll_all(connector, cursor)
    assert [(r.remote_id, r.deleted) for r in later if r.deleted] == [(first["Id"], True)]
    assert org.calls["GET /services/data/v{version}/sobjects/{sobject}/deleted/"] >= 2
    clock.now += 20 * 86400  # the cursor's window is gone: scan the recycle bin
    org.delete("Opportunity", second["Id"])
    later, _ = await poll_all(connector, cursor)
    assert (second["Id"], True) in [(r.remote_id, r.deleted) for r in later]


async def test_field_errors_become_per_field_refusals(
        sign_in: SignIn, org: SalesforceSandbox) -> None:
    deal = org.create_opportunity("Aurora Retail rollout")
    connector = sign_in()
    with pytest.raises(FieldsRefused) as info:
        await connector.push(LinkRef("Opportunity", deal["Id"], {}),
                             {"StageName": "Almost won", "Delivery_Status__c": "active"})
    assert set(info.value.fields) == {"StageName"}
    assert "restricted picklist" in info.value.fields["StageName"]


async def test_a_retried_create_upserts_the_same_record(
        sign_in: SignIn, org: SalesforceSandbox) -> None:
    connector = sign_in()
    values = {"Name": "Kickoff deal", "StageName": "Prospecting", "CloseDate": "2027-01-31"}
    one = await connector.create("Opportunity", "01HUBID0000000000000000001", values)
    again = await connector.create("Opportunity", "01HUBID0000000000000000001", values)
    assert one.remote_id == again.remote_id
    assert sum(1 for r in org.org.records["Opportunity"].values()
               if r["Hub_Id__c"] == "01HUBID0000000000000000001") == 1


def test_the_assertion_is_rs256_for_the_user_and_audience(sign_in: SignIn) -> None:
    connector = sign_in()
    claims = jwt.decode(connector.client.assertion(), options={"verify_signature": False})
    assert claims["sub"] == USER
    assert claims["iss"] == "hub-connected-app"
    assert claims["aud"] == connector.config.login_url
    assert jwt.get_unverified_header(connector.client.assertion())["alg"] == "RS256"
