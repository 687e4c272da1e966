"""The shared conformance suite, against the Asana sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connectors.asana.sandbox import AsanaSandbox
from hub.testing.conformance import ConnectorConformance
from hub.testing.server import RunningServer
from tests.connectors.asana.drivers import AsanaDriver
from tests.connectors.conftest import Receiver


class TestAsanaConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self, sandbox: AsanaSandbox, sandbox_server: RunningServer,
               project: dict[str, Any], receiver: Callable[..., Receiver]) -> AsanaDriver:
        return AsanaDriver(sandbox, sandbox_server.url, str(project["gid"]), receiver().url)
