"""The webhook receiver fixture of the connector tests, for the kit's tests."""

from __future__ import annotations

from tests.connectors.conftest import receiver  # noqa: F401 - a fixture
