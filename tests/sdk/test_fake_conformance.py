"""The shared conformance suite, run against the test kit's fake tool through the example
driver that ships in `hub.testing`.

Each real connector runs the same suite against its sandbox over HTTP.
"""

from __future__ import annotations

import pytest

from hub.testing.conformance import ConnectorConformance
from hub.testing.fake_driver import FakeDriver


class TestFakeConformance(ConnectorConformance):
    @pytest.fixture
    def driver(self) -> FakeDriver:
        return FakeDriver()
