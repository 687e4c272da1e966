"""/api/v1/accounts and /api/v1/opportunities: the same filters, paging and roles as the other
resources, through the one visibility policy. A department sees its own sales team's deals; a
partner only the deal behind the project shared with it (RD), without the commercial terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.model.enums import OpportunityStatus
from hub.store.canonical import Account, Opportunity
from tests.api.world import World


@pytest.fixture
def deals(engine: Engine, world: World) -> dict[str, str]:
    with Session(engine) as session, session.begin():
        rover = Account(key="001A", name="Rover Corp", industry="Energy", department="R&D",
                        custom={}, provenance={}, version=1)
        market = Account(key="001B", name="Market Inc", industry="Retail",
                         department="Marketing", custom={}, provenance={}, version=1)
        session.add_all([rover, market])
        session.flush()
        made = {
            "rd_deal": Opportunity(name="Rover rollout", account_id=rover.id, stage="Closed Won",
                                   status=OpportunityStatus.won, amount=Decimal("250000"),
                                   currency="EUR", close_date=date(2026, 10, 1),
                                   department="R&D", project_id=world.ids["rd_project"]),
            "rd_open": Opportunity(name="Rover phase 2", account_id=rover.id,
                                   stage="Prospecting", amount=Decimal("90000"),
                                   close_date=date(2027, 3, 1), department="R&D"),
            "mk_deal": Opportunity(name="Market launch", account_id=market.id,
                                   stage="Closed Won", status=OpportunityStatus.won,
                                   amount=Decimal("40000"), close_date=date(2026, 9, 1),
                                   department="Marketing", project_id=world.ids["mk_project"]),
        }
        for deal in made.values():
            deal.custom, deal.provenance, deal.version = {}, {}, 1
        session.add_all(made.values())
        session.flush()
        ids = {k: v.id for k, v in made.items()}
        ids.update(rover=rover.id, market=market.id)
    return ids


def _names(client: TestClient, world: World, role: str, path: str, **params: str) -> list[str]:
    answer = client.get(f"/api/v1/{path}", params=params, headers=world.auth(role))
    assert answer.status_code == 200, answer.text
    return sorted(item["name"] for item in answer.json()["items"])


def test_a_manager_filters_and_pages_deals(client: TestClient, world: World,
                                           deals: dict[str, str]) -> None:
    assert _names(client, world, "manager", "opportunities", status="won") == [
        "Market launch", "Rover rollout"]
    assert _names(client, world, "manager", "opportunities", account="001A",
                  close_after="2027-01-01") == ["Rover phase 2"]
    assert _names(client, world, "manager", "opportunities", project="RD") == ["Rover rollout"]
    first = client.get("/api/v1/opportunities", params={"limit": 2, "sort": "-amount"},
                       headers=world.auth("manager")).json()
    assert [i["name"] for i in first["items"]] == ["Rover rollout", "Rover phase 2"]
    rest = client.get("/api/v1/opportunities", params={
        "limit": 2, "sort": "-amount", "cursor": first["next_cursor"]},
        headers=world.auth("manager")).json()
    assert [i["name"] for i in rest["items"]] == ["Market launch"]
    account = client.get("/api/v1/accounts/001A", headers=world.auth("manager"))
    assert account.json()["name"] == "Rover Corp"
    assert account.headers["ETag"] == '"1"'


def test_a_department_sees_its_own_sales_team(client: TestClient, world: World,
                                              deals: dict[str, str]) -> None:
    assert _names(client, world, "department", "opportunities") == [
        "Rover phase 2", "Rover rollout"]
    assert _names(client, world, "department", "accounts") == ["Rover Corp"]
    other = client.get(f"/api/v1/opportunities/{deals['mk_deal']}",
                       headers=world.auth("department"))
    assert other.status_code == 404


def test_a_partner_sees_only_the_deal_behind_its_shared_project(
        client: TestClient, world: World, deals: dict[str, str]) -> None:
    assert _names(client, world, "partner", "opportunities") == ["Rover rollout"]
    assert _names(client, world, "partner", "accounts") == ["Rover Corp"]
    deal = client.get(f"/api/v1/opportunities/{deals['rd_deal']}",
                      headers=world.auth("partner")).json()
    assert "amount" not in deal
    assert "probability" not in deal
    assert deal["project_id"] == world.ids["rd_project"]
    for params in ({"sort": "amount"}, {"owner": "alice@example.com"}):
        refused = client.get("/api/v1/opportunities", params=params,
                             headers=world.auth("partner"))
        assert refused.status_code == 400, params
    hidden = client.get(f"/api/v1/opportunities/{deals['rd_open']}",
                        headers=world.auth("partner"))
    assert hidden.status_code == 404


@pytest.mark.parametrize("params", [{"status": "closed"}, {"close_after": "soon"},
                                    {"colour": "red"}, {"limit": "0"}])
def test_bad_deal_filters_are_clear_400s(client: TestClient, world: World,
                                         deals: dict[str, str], params: dict[str, str]) -> None:
    answer = client.get("/api/v1/opportunities", params=params, headers=world.auth("manager"))
    assert answer.status_code == 400
    assert answer.json()["detail"]
