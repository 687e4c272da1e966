"""`/events` sync tokens: 412 with a fresh token first, then the changes since, at most 100
per call with `has_more`, and 412 again once tokens expire."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.asana.sandbox import AsanaSandbox
from connectors.asana.sandbox.events import SYNC_INVALID


def _fresh_token(client: httpx.Client, project_gid: str, sync: str | None = None) -> str:
    params = {"resource": project_gid, **({"sync": sync} if sync else {})}
    answer = client.get("/events", params=params)
    assert answer.status_code == 412
    body = answer.json()
    assert body["errors"][0]["message"] == SYNC_INVALID
    return str(body["sync"])


def test_first_call_412s_then_changes_arrive(asana_http: httpx.Client,
                                             project: dict[str, Any],
                                             sandbox: AsanaSandbox) -> None:
    token = _fresh_token(asana_http, project["gid"])
    task = sandbox.create_task(project["gid"], "Publish press release")
    sandbox.update_task(task["gid"], status="Doing")
    sandbox.move_to_section(task["gid"], "Doing")
    answer = asana_http.get("/events", params={"resource": project["gid"], "sync": token})
    assert answer.status_code == 200
    body = answer.json()
    assert body["has_more"] is False
    assert body["sync"] != token
    actions = [(e["action"], (e.get("change") or {}).get("field"), (e["parent"] or {}).get(
        "resource_type")) for e in body["data"]]
    assert actions == [("added", None, "project"), ("changed", "custom_fields", None),
                       ("removed", None, "section"), ("added", None, "section")]
    first = body["data"][0]
    assert first["resource"] == {"gid": task["gid"], "resource_type": "task",
                                 "resource_subtype": "default_task"}
    assert first["user"]["gid"] == sandbox.person.gid
    quiet = asana_http.get("/events", params={"resource": project["gid"],
                                              "sync": body["sync"]}).json()
    assert quiet["data"] == []
    assert quiet["has_more"] is False


def test_more_than_100_events_come_in_batches(asana_http: httpx.Client,
                                              project: dict[str, Any],
                                              sandbox: AsanaSandbox) -> None:
    token = _fresh_token(asana_http, project["gid"])
    task = sandbox.create_task(project["gid"], "Count")
    for n in range(150):
        sandbox.update_task(task["gid"], notes=f"revision {n}")
    seen, calls, more = 0, 0, True
    while more:
        body = asana_http.get("/events", params={"resource": project["gid"],
                                                 "sync": token}).json()
        assert len(body["data"]) <= 100
        seen, calls, more, token = seen + len(body["data"]), calls + 1, body["has_more"], \
            body["sync"]
    assert (seen, calls) == (151, 2)


def test_expired_and_unknown_tokens_412_with_a_fresh_one(asana_http: httpx.Client,
                                                        project: dict[str, Any],
                                                        sandbox: AsanaSandbox) -> None:
    token = _fresh_token(asana_http, project["gid"])
    sandbox.expire_sync_tokens()
    fresh = _fresh_token(asana_http, project["gid"], token)
    assert fresh != token
    _fresh_token(asana_http, project["gid"], "made-up")
    sandbox.create_task(project["gid"], "After expiry")
    body = asana_http.get("/events", params={"resource": project["gid"], "sync": fresh}).json()
    assert [e["action"] for e in body["data"]] == ["added"]


def test_expiry_over_http_and_deleted_tasks(asana_http: httpx.Client,
                                            project: dict[str, Any], sandbox: AsanaSandbox,
                                            sandbox_server: Any) -> None:
    token = _fresh_token(asana_http, project["gid"])
    task = sandbox.create_task(project["gid"], "Short-lived")
    asana_http.delete(f"/tasks/{task['gid']}")
    body = asana_http.get("/events", params={"resource": project["gid"], "sync": token}).json()
    assert [e["action"] for e in body["data"]] == ["added", "deleted"]
    assert httpx.post(f"{sandbox_server.url}/_sandbox/events/expire").status_code == 204
    _fresh_token(asana_http, project["gid"], body["sync"])
