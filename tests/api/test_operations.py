"""Connector health and actions, the change feed, metrics, request ids, size limits, and
problem answers for every error."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.store.sync import IntentState, PushIntent
from tests.api.world import World


def test_connector_health_shows_what_waits_for_a_person(client: TestClient,
                                                        world: World) -> None:
    [a, b] = client.get("/api/v1/connectors", headers=world.auth("viewer")).json()

    assert (a["id"], a["kind"], a["state"]) == ("a", "fake", "degraded")
    assert (a["quarantined"], a["failed_pushes"], a["errors_24h"]) == (1, 2, 3)
    assert (b["id"], b["state"], b["last_success_at"]) == ("b", "degraded", None)
    assert (a["refused_fields"], b["refused_fields"]) == (0, 1)


def test_refused_fields_carry_the_tools_reason_and_when_they_go_out_again(
        client: TestClient, world: World) -> None:
    [refused] = client.get("/api/v1/connectors/b/refused-fields",
                           headers=world.auth("viewer")).json()["items"]

    assert (refused["record_id"], refused["field"]) == (world.ids["rd_task"], "status")
    assert refused["reason"] == "b: no workflow path from Done to 'Blocked'"
    assert refused["retry_at"] == "2026-11-02T10:00:00+00:00"
    assert "value" not in refused


def test_failed_pushes_carry_the_tools_reason_and_can_be_retried(
        client: TestClient, world: World, engine: Engine) -> None:
    failed = client.get("/api/v1/connectors/a/failed-pushes",
                        headers=world.auth("viewer")).json()["items"]
    retried = client.post("/api/v1/connectors/a/retry-failed", headers=world.auth("admin"))

    assert sorted(f["reason"] for f in failed) == ["a: transition refused for mk",
                                                  "a: transition refused for rd"]
    assert retried.json() == {"requeued": 2}
    with Session(engine) as session:
        assert {i.state for i in session.scalars(select(PushIntent))} == {IntentState.pending}
    assert client.get("/api/v1/connectors/a/failed-pushes",
                      headers=world.auth("viewer")).json()["items"] == []


def test_quarantine_lists_reasons_and_unknown_connectors_are_404(client: TestClient,
                                                                 world: World) -> None:
    [item] = client.get("/api/v1/connectors/a/quarantine",
                        headers=world.auth("viewer")).json()["items"]
    unknown = client.get("/api/v1/connectors/zzz/quarantine", headers=world.auth("viewer"))

    assert item["reason"] == 'status: "Weird" is not in the value map'
    assert unknown.status_code == 404
    assert "configured: a, b" in unknown.json()["detail"]


def test_the_change_feed_reads_on_from_its_cursor(client: TestClient, world: World) -> None:
    first = client.get("/api/v1/changes", params={"limit": 1},
                       headers=world.auth("viewer")).json()
    rest = client.get("/api/v1/changes", params={"since": first["next_cursor"]},
                      headers=world.auth("viewer")).json()
    later = client.get("/api/v1/changes", params={"since": rest["next_cursor"]},
                       headers=world.auth("viewer")).json()

    assert [e["id"] for e in first["items"]] == [1]
    assert [e["id"] for e in rest["items"]] == [2]
    assert later == {"items": [], "next_cursor": "2"}  # nothing new: the same cursor back


def test_metrics_are_in_prometheus_text_format(client: TestClient, world: World) -> None:
    client.get("/api/v1/tasks", headers=world.auth("viewer"))
    text = client.get("/metrics", headers=world.auth("admin")).text

    assert 'hub_http_requests_total{method="GET",route="/api/v1/tasks",status="200"} 1.0' in text
    assert "hub_http_request_duration_seconds_bucket" in text
    assert 'hub_push_intents{connector="a",state="failed"} 2.0' in text
    assert 'hub_quarantined_records{connector="a"} 1.0' in text
    assert 'hub_inbox_pending{connector="b"} 0.0' in text
    assert 'hub_refused_fields{connector="b"} 1.0' in text


def test_a_request_id_is_kept_or_made(client: TestClient, world: World) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    made = client.get("/healthz")

    assert given.headers["x-request-id"] == "trace-42"
    assert len(made.headers["x-request-id"]) == 26


def test_oversized_api_bodies_are_413(client: TestClient, world: World) -> None:
    answer = client.patch(f"/api/v1/tasks/{world.ids['rd_task']}",
                          content=b'{"title": "' + b"x" * (1024 * 1024) + b'"}',
                          headers={**world.auth("admin"), "If-Match": '"1"',
                                   "Content-Type": "application/json"})

    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def test_every_error_is_a_problem(client: TestClient, world: World) -> None:
    for answer in (client.get("/api/v1/nothing-here", headers=world.auth("admin")),
                   client.delete("/api/v1/tasks", headers=world.auth("admin")),
                   client.post(f"/api/v1/conflicts/{world.ids['rd_conflict']}/resolve",
                               content=b"{not json", headers=world.auth("admin"))):
        assert answer.headers["content-type"] == "application/problem+json", answer.text
        assert answer.json()["status"] == answer.status_code
        assert answer.json()["detail"]
