"""The sandbox answers the requests of Salesforce's official Postman collection
(shared/specs/salesforce-rest.postman_collection.json) that are in its scope, as the REST docs
describe them: the JWT bearer token request as the collection sends it, the limits, the
sObject create, and query batches through nextRecordsUrl with Salesforce's error bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from connectors.salesforce.sandbox import SalesforceSandbox
from tests.connectors.salesforce.conftest import AUDIENCE, USER
from tests.specs import spec_file

VERSION = "62.0"


def _requests() -> dict[str, dict[str, Any]]:
    collection = json.loads(spec_file("salesforce-rest.postman_collection.json").read_text())

    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield from walk(item["item"]) if "item" in item else [item]
    return {item["name"]: item["request"] for item in walk(collection["item"])}


def _path(request: dict[str, Any]) -> str:
    raw = str(request["url"]["raw"] if isinstance(request["url"], dict) else request["url"])
    for variable in ("{{url}}", "{{site}}", "{{endpoint}}"):
        raw = raw.replace(variable, "")
    return raw.replace("{{version}}", VERSION)


@pytest.fixture
def client(org: SalesforceSandbox) -> Iterator[TestClient]:
    with TestClient(org.app) as client:
        yield client


def _token(client: TestClient, key: str) -> str:
    request = _requests()["JWT Bearer Token Flow"]
    form = {entry["key"]: entry["value"] for entry in request["body"]["urlencoded"]}
    form["assertion"] = jwt.encode({"iss": "hub-connected-app", "sub": USER, "aud": AUDIENCE,
                                    "exp": int(time.time()) + 180}, key, algorithm="RS256")
    answer = client.request(request["method"], _path(request), data=form, headers={
        h["key"]: h["value"] for h in request["header"]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {"access_token", "instance_url", "id", "token_type", "issued_at",
            "signature"} <= set(body)
    return str(body["access_token"])


def test_the_collections_token_limits_and_create_requests(
        client: TestClient, key_pair: tuple[str, str]) -> None:
    headers = {"Authorization": f"Bearer {_token(client, key_pair[0])}"}
    limits = _requests()["Limit"]
    answer = client.request(limits["method"], _path(limits), headers=headers)
    assert answer.status_code == 200
    daily = answer.json()["DailyApiRequests"]
    assert daily["Max"] - daily["Remaining"] == 1  # this call counted
    assert answer.headers["Sforce-Limit-Info"] == f"api-usage=1/{daily['Max']}"
    create = _requests()["REST Create"]
    # The collection creates a Lead; the sandbox's org has accounts and opportunities.
    assert _path(create).endswith("/sobjects/Lead")
    made = client.post(_path(create).replace("Lead", "Account"), json={"Name": "Aurora"},
                       headers=headers)
    assert made.status_code == 201
    assert made.json()["success"] is True
    missing = client.post(_path(create), json=json.loads(create["body"]["raw"]),
                          headers=headers)
    assert missing.status_code == 404
    assert missing.json()[0]["errorCode"] == "NOT_FOUND"


def test_query_batches_follow_next_records_url_and_errors_read_like_salesforce(
        client: TestClient, org: SalesforceSandbox, key_pair: tuple[str, str]) -> None:
    headers = {"Authorization": f"Bearer {_token(client, key_pair[0])}",
               "Sforce-Query-Options": "batchSize=200"}
    for n in range(450):
        org.create_opportunity(f"Deal {n}")
    seen: list[str] = []
    answer = client.get(f"/services/data/v{VERSION}/query", headers=headers,
                        params={"q": "SELECT Id, Name FROM Opportunity ORDER BY Id"}).json()
    while True:
        seen += [r["Id"] for r in answer["records"]]
        assert answer["totalSize"] == 450
        if answer["done"]:
            assert "nextRecordsUrl" not in answer
            break
        answer = client.get(answer["nextRecordsUrl"], headers=headers).json()
    assert len(seen) == len(set(seen)) == 450
    bad = client.get(f"/services/data/v{VERSION}/query", headers=headers,
                     params={"q": "SELECT Id FROM Opportunity WHERE"})
    assert bad.status_code == 400
    assert bad.json()[0]["errorCode"] == "MALFORMED_QUERY"
    unknown = client.get(f"/services/data/v{VERSION}/query", headers=headers,
                         params={"q": "SELECT Colour FROM Opportunity"})
    assert unknown.json()[0]["errorCode"] == "INVALID_FIELD"
    expired = client.get(f"/services/data/v{VERSION}/limits",
                         headers={"Authorization": "Bearer nope"})
    assert expired.status_code == 401
    assert expired.json() == [{"message": "Session expired or invalid",
                               "errorCode": "INVALID_SESSION_ID"}]
