"""The shared conformance suite, against the Salesforce sandbox over real HTTPS."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.salesforce.sandbox import SalesforceSandbox
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector, RemoteRecord
from hub.testing.conformance import ConnectorConformance, SandboxDriver
from hub.testing.server import RunningServer
from tests.connectors.conftest import FakeClock
from tests.connectors.salesforce.conftest import connector_for


class SalesforceDriver(SandboxDriver):
    """Acts as a salesperson in the sandbox org."""

    creatable_type = "Opportunity"
    deletes_in_poll = True

    def __init__(self, org: SalesforceSandbox, url: str, key: str, ca: Path,
                 clock: FakeClock) -> None:
        self.org, self.url, self.key, self.ca, self.clock = org, url, key, ca, clock
        self.account = org.create_account("Aurora Retail", Industry="Retail")

    def connector(self) -> Connector[ConnectorConfig]:
        return connector_for(self.org, self.url, self.key, self.ca, self.clock)

    def connector_with_bad_credentials(self) -> Connector[ConnectorConfig]:
        return connector_for(self.org, self.url, self.key, self.ca, self.clock, auth=
                             "client_credentials", client_secret=SecretStr("wrong-secret"))

    def user_create(self) -> str:
        self.clock.now += 1
        return str(self.org.create_opportunity("Aurora Retail rollout", self.account["Id"],
                                               Amount=120000)["Id"])

    def user_edit(self, remote_id: str) -> None:
        self.clock.now += 5
        self.org.update("Opportunity", remote_id, StageName="Negotiation/Review")

    def user_delete(self, remote_id: str) -> None:
        self.clock.now += 5
        self.org.delete("Opportunity", remote_id)

    def push_patch(self) -> Mapping[str, Any]:
        return {"Delivery_Percent_Done__c": 40, "Delivery_Status__c": "active"}

    def patch_applied(self, record: RemoteRecord, patch: Mapping[str, Any]) -> bool:
        return all(record.payload.get(k) == v for k, v in patch.items())

    def create_values(self) -> Mapping[str, Any]:
        return {"Name": "Mirrored deal", "StageName": "Prospecting", "CloseDate": "2027-01-31"}


class TestSalesforceConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, org: SalesforceSandbox, org_server: RunningServer,
               key_pair: tuple[str, str], tls: tuple[Path, Path],
               clock: FakeClock) -> SalesforceDriver:
        return SalesforceDriver(org, org_server.url, key_pair[0], tls[0], clock)
