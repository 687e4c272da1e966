"""The API keeps its own OpenAPI contract: schemathesis generates requests for every operation
(positive and negative data, on random and on real records), bounded in examples and time; no
answer is a server error, and every answer matches the documented status codes, media types
and schemas."""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.world import World

EXAMPLES = 8  # per operation and kind of data
BUDGET = 90.0  # seconds for the whole run
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _real_ids(world: World) -> dict[str, str]:
    """Path parameters that name seeded records, so answers other than 404 are checked too."""
    return {"project_id": world.ids["rd_project"], "task_id": world.ids["rd_task"],
            "person_id": world.ids["rd_person"], "absence_id": world.ids["rd_absence"],
            "line_id": world.ids["rd_budget"], "conflict_id": world.ids["rd_conflict"],
            "connector_id": "a"}


@pytest.mark.timeout(BUDGET + 30)
def test_every_operation_keeps_the_contract(app: FastAPI, world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    started, failures, calls = time.monotonic(), [], [0]
    real = _real_ids(world)

    def check(case: Any) -> None:
        # A bearer token: without one every answer would be the same 401.
        response = case.call(headers=world.auth("admin"))
        calls[0] += 1
        # Documented 503s: this app runs no workers (a poll can't be queued), and its test
        # database was made without migrations (not ready).
        expected = case.path.endswith(("/sync", "/readyz")) and response.status_code == 503
        assert response.status_code < 500 or expected, \
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
        case.validate_response(response, checks=CHECKS)

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # our own schema is valid
        names = [p.name for p in operation.path_parameters]
        fixed = {n: real[n] for n in names if n in real}
        strategies = [operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE)]
        if fixed:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE,
                                                    path_parameters=fixed))
        for strategy in strategies:
            if time.monotonic() - started > BUDGET:
                break
            try:
                run = settings(max_examples=EXAMPLES, deadline=None, database=None,
                               suppress_health_check=list(HealthCheck))(
                    given(strategy)(lambda case: check(case)))
                run()
            except Unsatisfiable:
                continue  # no invalid request exists for it (e.g. no parameters at all)
            except Exception as exc:  # keep going: report every operation that breaks
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert failures == [], "\n".join(f[:400] for f in failures)
    assert calls[0] > 100
