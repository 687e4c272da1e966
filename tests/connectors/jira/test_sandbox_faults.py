"""Fault knobs of the Jira sandbox, set from Python and over `/_sandbox/faults`: rate limits
answered like Jira's, injected 5xx, latency, slow answers that outlast a client's timeout."""

from __future__ import annotations

import httpx
import pytest

from connectors.jira.sandbox import JiraSandbox
from hub.testing.server import RunningServer
from tests.connectors.jira.conftest import http_client

MYSELF = "/rest/api/3/myself"


def test_rate_limit_answers_429_with_jiras_headers(jira_http: httpx.Client,
                                                   sandbox: JiraSandbox) -> None:
    sandbox.faults.rate_limit(2, retry_after=3)

    limited = [jira_http.get(MYSELF) for _ in range(2)]
    after = jira_http.get(MYSELF)

    assert [r.status_code for r in limited] == [429, 429]
    headers = limited[0].headers
    assert headers["retry-after"] == "3"
    assert headers["x-ratelimit-remaining"] == "0"
    assert {"x-ratelimit-limit", "x-ratelimit-reset"} <= set(headers)
    assert limited[0].json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert after.status_code == 200


def test_a_budget_per_window_limits_calls(jira_http: httpx.Client,
                                          sandbox: JiraSandbox) -> None:
    sandbox.faults.rate_budget(3, window_seconds=60)

    answers = [jira_http.get(MYSELF) for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert answers[2].headers["x-ratelimit-remaining"] == "0"
    assert 58 <= int(answers[3].headers["retry-after"]) <= 60


def test_fail_next_answers_503_then_recovers(jira_http: httpx.Client,
                                             sandbox: JiraSandbox) -> None:
    sandbox.faults.fail_next(2)

    statuses = [jira_http.get(MYSELF).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_random_errors_follow_the_rate_and_the_seed(jira_http: httpx.Client,
                                                    sandbox: JiraSandbox) -> None:
    sandbox.faults.error_rate = 0.5
    sandbox.faults.reseed(42)
    first = [jira_http.get(MYSELF).status_code for _ in range(30)]
    sandbox.faults.reseed(42)
    again = [jira_http.get(MYSELF).status_code for _ in range(30)]

    assert first == again
    assert 5 < sum(s >= 500 for s in first) < 25
    assert set(first) <= {200, 500, 502, 503, 504}


def test_latency_is_added_to_every_call(jira_http: httpx.Client, sandbox: JiraSandbox) -> None:
    sandbox.faults.latency_ms = 300

    with httpx.Client(base_url=str(jira_http.base_url), auth=jira_http.auth,
                      timeout=0.05) as hurried:
        try:
            hurried.get(MYSELF)
            raise AssertionError("the answer came before the latency the knob adds")
        except httpx.ReadTimeout:
            pass
    answer = jira_http.get(MYSELF)  # a patient client gets its answer

    assert answer.status_code == 200


def test_a_slow_answer_outlasts_the_client_yet_the_write_lands(
        sandbox_server: RunningServer, sandbox: JiraSandbox) -> None:
    key = sandbox.create_issue("RD", "Before")["key"]
    sandbox.faults.slow_seconds = 0.6

    with http_client(sandbox_server.url, timeout=0.2) as impatient, \
            pytest.raises(httpx.ReadTimeout):
        impatient.put(f"/rest/api/3/issue/{key}", json={"fields": {"summary": "After"}})

    assert sandbox.issue(key)["fields"]["summary"] == "After"
    sandbox.faults.slow_seconds = 0


def test_knobs_are_set_over_http_without_credentials(sandbox_server: RunningServer,
                                                     jira_http: httpx.Client,
                                                     sandbox: JiraSandbox) -> None:
    knobs = f"{sandbox_server.url}/_sandbox/faults"

    set_ = httpx.post(knobs, json={"fail_next": {"calls": 1, "status": 502},
                                   "latency_ms": 5, "rate_limit": {"calls": 0}})
    failed = jira_http.get(MYSELF)
    shown = httpx.get(knobs).json()
    httpx.delete(knobs)

    assert set_.status_code == 200
    assert failed.status_code == 502
    assert shown["latency_ms"] == 5
    assert sandbox.faults.latency_ms == 0
    assert httpx.post(knobs, json={"fail_next": "many"}).status_code == 400
