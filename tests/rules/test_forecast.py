"""The delivery forecast is right on known data, and says when it can't forecast."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.rules.forecast import simulate
from hub.store.notify import Forecast
from tests.api.world import seed
from tests.sync.harness import fake_config, fake_registry, fake_tools

START = date(2026, 11, 2)


def test_p50_is_within_ten_percent_of_the_analytic_answer() -> None:
    # Throughput alternates 1, 2 and 3 tasks a day (mean 2): 200 tasks take 100 days.
    history = [1, 2, 3] * 30
    outcome = simulate(history, 200, START, START + timedelta(days=90), 4000,
                       random.Random(7))
    assert outcome.p50 is not None
    assert outcome.p85 is not None
    days = (outcome.p50 - START).days
    assert 90 <= days <= 110
    assert outcome.p85 >= outcome.p50
    # Due in 90 days, needing ~100: missing it is nearly certain.
    assert outcome.probability_late is not None
    assert outcome.probability_late > 0.9


def test_constant_throughput_is_exact_and_an_easy_date_is_safe() -> None:
    outcome = simulate([4] * 20, 40, START, START + timedelta(days=30), 500, random.Random(1))
    assert outcome.p50 == outcome.p85 == START + timedelta(days=10)
    assert outcome.probability_late == 0.0


def test_no_history_means_no_forecast_with_the_reason() -> None:
    outcome = simulate([0, 0, 0], 10, START, None, 500, random.Random(1))
    assert outcome.p50 is None
    assert "no task finished" in outcome.reason


def test_forecasts_are_served_for_the_projects_a_token_sees(engine: Engine) -> None:
    world = seed(engine)
    with Session(engine) as session:
        for key, late in (("rd_project", 0.9), ("mk_project", 0.1)):
            session.add(Forecast(project_id=world.ids[key], remaining=5, p50=START,
                                 p85=START + timedelta(days=3), due_date=START,
                                 probability_late=late, reason="5 open task(s)"))
        session.commit()
    app = create_app(fake_config(fake_tools(["a"])), engine, fake_registry())
    with TestClient(app) as client:
        def get(role: str, **params: str) -> list[dict[str, Any]]:
            answer = client.get("/api/v1/forecasts", params=params,
                                headers={"Authorization": f"Bearer {world.tokens[role]}"})
            assert answer.status_code == 200, answer.text
            return list(answer.json()["items"])

        assert [f["project"] for f in get("manager")] == ["MK", "RD"]
        [likely] = get("manager", risk="forecast_late")
        assert (likely["project"], likely["risks"]) == ("RD", ["forecast_late"])
        assert [f["project"] for f in get("department")] == ["RD"]  # R&D's own
        assert [f["project"] for f in get("partner")] == ["RD"]  # the shared one
