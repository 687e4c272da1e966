"""The shared conformance suite, against the Jira sandbox over real HTTP."""

from __future__ import annotations

import pytest

from connectors.jira.sandbox import JiraSandbox
from hub.testing.conformance import ConnectorConformance
from hub.testing.server import RunningServer
from tests.connectors.jira.drivers import JiraDriver


class TestJiraConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, sandbox: JiraSandbox, sandbox_server: RunningServer) -> JiraDriver:
        return JiraDriver(sandbox, sandbox_server.url)
