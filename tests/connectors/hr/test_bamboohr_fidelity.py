"""Every answer the BambooHR connector reads from the sandbox, and the sandbox's other answers,
validate against BambooHR's official description (bamboohr.yaml): drift from it fails here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from connectors.hr.bamboohr import BambooHRConnector
from connectors.hr.sandbox import BambooHRSandbox
from hub.testing.conformance import poll_all
from hub.testing.server import RunningServer
from tests.connectors.hr.conftest import API_KEY
from tests.connectors.hr.drivers import bamboo_config
from tests.connectors.openapi import Answer, Recorder, problems, spec

BAMBOOHR = "bamboohr.yaml"


@pytest.fixture
def bamboo_http(bamboo_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bamboo_server.url, auth=(API_KEY, "x"),
                      headers={"Accept": "application/json"}, timeout=10.0) as client:
        yield client


@pytest.mark.anyio
async def test_every_answer_the_connector_reads_matches_bamboohrs_schema(
        bamboo: BambooHRSandbox, bamboo_server: RunningServer) -> None:
    api = spec(BAMBOOHR)
    bamboo.add_time_off(102, date(2026, 11, 23), date(2026, 11, 27), note="Lisbon")
    connector = BambooHRConnector("hr", bamboo_config(bamboo_server.url))
    recorder = Recorder()
    recorder.attach(connector.client.http)
    try:
        await connector.check()
        await poll_all(connector, None)
        await connector.fetch("employee", ["102", "999"])
    finally:
        await connector.aclose()

    assert [p for answer in recorder for p in problems(api, answer)] == []
    assert {"GET /api/v1/employees/changed", "GET /api/v1/employees/{id}",
            "GET /api/v1/time_off/requests"} <= recorder.routes(api)


@pytest.mark.parametrize("path", [
    "/api/v1/meta/time_off/types", "/api/v1/meta/fields", "/api/v1/employees/directory",
    "/api/v1/employees/102?fields=firstName,lastName,workEmail,department,supervisorEId",
    "/api/v1/employees/changed?since=2020-01-01T00:00:00Z",
    "/api/v1/time_off/requests?start=2026-01-01&end=2026-12-31",
    "/api/v1/time_off/whos_out?start=2026-11-01&end=2026-12-31",
])
def test_the_sandboxs_other_answers_match_bamboohrs_schema(
        bamboo: BambooHRSandbox, bamboo_http: httpx.Client, path: str) -> None:
    api = spec(BAMBOOHR)
    bamboo.add_time_off(102, date(2026, 11, 23), date(2026, 11, 27))
    response = bamboo_http.get(path)

    answer = Answer("GET", response.url.path, response.status_code, response.json())

    assert problems(api, answer) == []
