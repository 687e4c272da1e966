"""The shared conformance suite, against the BambooHR sandbox over real HTTP."""

from __future__ import annotations

import pytest

from connectors.hr.sandbox import BambooHRSandbox
from hub.testing.conformance import ConnectorConformance
from hub.testing.server import RunningServer
from tests.connectors.hr.drivers import BambooDriver


class TestBambooHRConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, bamboo: BambooHRSandbox, bamboo_server: RunningServer) -> BambooDriver:
        return BambooDriver(bamboo, bamboo_server.url)
