"""Sales closes a deal in Salesforce; delivery runs in Jira; sales sees progress in Salesforce.
End to end over real HTTP(S), through the hub's polls, rules and pushes: the stage change makes
one delivery project with its kickoff tasks in Jira, a task done there moves the opportunity's
progress fields, and replays, second polls, a second deal of the account and a lost deal
duplicate nothing and delete nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SalesforceSandbox
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.store.canonical import Opportunity, Project, Task
from hub.store.sync import SyncCursor
from hub.sync.runtime import Runtime
from hub.testing.server import RunningServer, serve
from tests.connectors.conftest import FakeClock
from tests.connectors.hub_steps import cycle
from tests.connectors.jira.drivers import jira_config
from tests.connectors.salesforce.conftest import sf_config

pytestmark = pytest.mark.anyio
KICKOFF = ["Kickoff with Aurora Retail", "Sign the statement of work", "Set up environments",
           "Plan milestone 1"]


@dataclass
class Tools:
    org: SalesforceSandbox
    jira: JiraSandbox
    rt: Runtime
    clock: FakeClock

    async def cycle(self) -> list[Any]:
        self.clock.now += 30
        return await cycle(self.rt, "sales", "delivery-jira")

    def issues(self) -> list[dict[str, Any]]:
        """Every issue of the delivery project in Jira."""
        return [self.jira.issue(i.key) for i in list(self.jira.state.issues.values())]

    def deal(self, deal_id: str) -> dict[str, Any]:
        record = self.org.org.find("Opportunity", deal_id)
        assert record is not None
        return record


@pytest.fixture
def tools(engine: Engine, org: SalesforceSandbox, org_server: RunningServer,
          key_pair: tuple[str, str], tls: tuple[Path, Path],
          clock: FakeClock) -> Iterator[Tools]:
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=3)
    jira.add_project("AUR", "Aurora Retail delivery")
    org.connected_app.audience = org_server.url
    with serve(jira.app) as jira_server:
        config = HubConfig(
            connectors={"sales": sf_config(org_server.url, key_pair[0], tls[0]),
                        "delivery-jira": jira_config(jira_server.url, jql="project = AUR",
                                                     create_project="AUR")},
            sync=SyncConfig.model_validate({"deals": [{
                "stage": "Closed Won", "to": "delivery-jira", "project_key": "AUR",
                "project_name": "{account_name} rollout", "department": "delivery",
                "tasks": KICKOFF}]}))
        registry = Registry()
        registry.add(SalesforceConnector)
        registry.add(JiraConnector)
        rt = Runtime(config, registry, engine)
        sales = rt.connectors["sales"]
        assert isinstance(sales, SalesforceConnector)
        sales.clock = lambda: datetime.fromtimestamp(clock(), UTC)
        sales.client.clock = clock
        yield Tools(org, jira, rt, clock)


def _count(engine: Engine, table: Any, *where: Any) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_a_won_deal_becomes_a_jira_delivery_that_sales_follows(
        tools: Tools, engine: Engine) -> None:
    account = tools.org.create_account("Aurora Retail", Industry="Retail")
    maria = tools.org.org.by_external_id("User", "Username", "maria.sales@aurora.example")
    deal = tools.org.create_opportunity("Aurora Retail rollout", account["Id"],
                                        stage="Negotiation/Review", Amount=250000,
                                        OwnerId=maria[0]["Id"])
    await tools.cycle()
    assert _count(engine, Project) == 0  # an open deal is not a project
    with Session(engine) as session:
        imported = session.scalars(select(Opportunity)).one()
        assert imported.department == "Sales EMEA"  # the owner's team: its department's
        assert imported.owner is not None
        assert imported.owner.primary_email == "maria.sales@aurora.example"
        assert imported.account is not None
        assert imported.account.name == "Aurora Retail"

    tools.clock.now += 60
    tools.org.close_deal(deal["Id"])
    await tools.cycle()
    await tools.cycle()  # the created issues read back from Jira

    issues = tools.issues()
    assert sorted(i["fields"]["summary"] for i in issues) == sorted(KICKOFF)
    with Session(engine) as session:
        project = session.scalars(select(Project)).one()
        assert project.key == "AUR"
        linked = session.scalars(select(Opportunity)).one()
        assert linked.project_id == project.id
        assert _count(engine, Task, Task.project_id == project.id) == len(KICKOFF)
    shown = tools.deal(deal["Id"])
    assert shown["Delivery_Percent_Done__c"] == 0
    assert shown["Delivery_Project__c"] == "AUR"
    assert shown["Delivery_Status__c"] == "active"
    assert shown["Next_Milestone__c"] == KICKOFF[0]

    # A developer finishes the kickoff in Jira: sales sees it on the opportunity.
    kickoff = next(i for i in issues if i["fields"]["summary"] == KICKOFF[0])
    tools.jira.transition(kickoff["key"], "Done")
    await tools.cycle()
    shown = tools.deal(deal["Id"])
    assert shown["Delivery_Percent_Done__c"] == 25
    assert shown["Next_Milestone__c"] != KICKOFF[0]

    # The echo, a second poll and a full replay of Salesforce change nothing and loop nowhere.
    sales, jira = await tools.cycle()
    assert sales.pushes_queued == jira.pushes_queued == 0
    with Session(engine) as session, session.begin():
        session.execute(delete(SyncCursor).where(SyncCursor.connector_id == "sales"))
    sales, jira = await tools.cycle()
    assert sales.pushes_queued == 0
    assert len(tools.issues()) == len(KICKOFF)
    assert _count(engine, Project) == 1

    # A second won deal of the account joins its delivery; a lost one deletes nothing.
    extension = tools.org.create_opportunity("Aurora Retail extension", account["Id"],
                                             stage="Closed Won")
    await tools.cycle()
    await tools.cycle()
    assert _count(engine, Project) == 1
    assert len(tools.issues()) == len(KICKOFF)
    assert tools.deal(extension["Id"])["Delivery_Percent_Done__c"] == 25
    tools.org.close_deal(deal["Id"], won=False)
    await tools.cycle()
    with Session(engine) as session:
        project = session.scalars(select(Project)).one()
        assert "lost" in project.custom["deal_risk"]
        assert project.deleted_at is None
    assert len(tools.issues()) == len(KICKOFF)
    await tools.rt.aclose()
