"""Fixtures for the HR connector tests: a BambooHR sandbox with a small company, served over
real HTTP (one server per module, the sandbox plugged in per test)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from connectors.asana.connector import AsanaConnector
from connectors.asana.sandbox import AsanaSandbox
from connectors.hr.bamboohr import BambooHRConnector
from connectors.hr.sandbox import BambooHRSandbox
from connectors.jira.connector import JiraConnector
from connectors.jira.sandbox import JiraSandbox
from hub.config.models import HubConfig
from hub.config.sync import SyncConfig
from hub.sdk.registry import Registry
from hub.sync.jobs import poll_connector, push_due
from hub.sync.runtime import Runtime
from hub.testing.server import RunningServer, serve
from tests.connectors.asana.drivers import asana_config
from tests.connectors.conftest import FakeClock
from tests.connectors.jira.drivers import jira_config
from tests.connectors.plug import Plug, plug_in

API_KEY = "bamboo-key"


@pytest.fixture
def bamboo(clock: FakeClock) -> BambooHRSandbox:
    """CEO Ada (101); Ben (102) and Chloe (103) reporting to her."""
    sandbox = BambooHRSandbox(api_key=API_KEY, clock=clock)
    sandbox.add_employee("Ada", "Okafor", "ada.okafor@example.com", department="Executive")
    sandbox.add_employee("Ben", "Tanaka", "ben.tanaka@example.com", department="Engineering",
                         manager=101, payRate="90000.00 EUR", ssn="123-45-6789")
    sandbox.add_employee("Chloe", "Ivanova", "chloe.ivanova@example.com",
                         department="Marketing", manager=101)
    sandbox.webhooks.retry_delay = 0.05
    return sandbox


@pytest.fixture
def bamboo_server(bamboo: BambooHRSandbox,
                  plugged: tuple[Plug, RunningServer]) -> Iterator[RunningServer]:
    """The sandbox over real HTTP, its webhook sender running in the server's loop."""
    with plug_in(plugged, bamboo.app, bamboo.webhooks) as running:
        yield running


@dataclass
class Company:
    """R&D's Jira, marketing's Asana and HR's BambooHR, served over real HTTP, and a hub
    runtime with one connector each (rd-jira, mkt-asana, hr)."""

    jira: JiraSandbox
    asana: AsanaSandbox
    hr: BambooHRSandbox
    project: str  # the Asana project's gid
    urls: dict[str, str]
    engine: Engine
    rt: Runtime

    def runtime(self, sync: dict[str, Any] | None = None) -> Runtime:
        from tests.connectors.hr.drivers import bamboo_config

        """Another runtime on the same tools and database, with these `sync:` rules."""
        config = HubConfig(
            connectors={"rd-jira": jira_config(self.urls["jira"]),
                        "mkt-asana": asana_config(self.urls["asana"], [self.project]),
                        "hr": bamboo_config(self.urls["hr"])},
            sync=SyncConfig.model_validate(sync or {}))
        registry = Registry()
        for cls in (JiraConnector, AsanaConnector, BambooHRConnector):
            registry.add(cls)
        return Runtime(config, registry, self.engine)

    async def sync(self, *connector_ids: str) -> None:
        """Poll these connectors (all, HR first, unless told) and push what is due."""
        for connector_id in connector_ids or ("hr", "rd-jira", "mkt-asana"):
            await poll_connector(self.rt, connector_id)
        await push_due(self.rt)


@pytest.fixture
def company(engine: Engine) -> Iterator[Company]:
    jira = JiraSandbox(email="hub@example.com", token="jira-token", seed=3)
    jira.add_project("RD", "Research & Development")
    asana = AsanaSandbox(token="asana-pat", seed=3)
    project = str(asana.add_project("Spring launch")["gid"])
    hr = BambooHRSandbox(api_key=API_KEY)
    with serve(jira.app) as j, serve(asana.app) as a, serve(hr.app) as h:
        urls = {"jira": j.url, "asana": a.url, "hr": h.url}
        made = Company(jira, asana, hr, project, urls, engine, None)  # type: ignore[arg-type]
        made.rt = made.runtime()
        yield made
