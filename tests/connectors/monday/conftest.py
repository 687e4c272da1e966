"""Fixtures for the monday.com tests: the sandbox (serving monday's own GraphQL schema) over
real HTTP, and connectors for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.monday import MondayConnector
from connectors.monday.sandbox import MondaySandbox
from hub.sdk.config import ConnectorConfig, WebhookConfig
from hub.testing.server import RunningServer, serve
from tests.connectors.conftest import FakeClock

SECRET = "monday-app-signing-secret-0123456789"


@pytest.fixture
def monday(clock: FakeClock) -> MondaySandbox:
    sandbox = MondaySandbox(signing_secret=SECRET, seed=5, clock=clock)
    sandbox.add_user("mia.marketing@aurora.example", "Mia Marketing")
    sandbox.add_user("ana.design@aurora.example", "Ana Design")
    sandbox.webhooks.retry_delay = 0.05
    return sandbox


@pytest.fixture
def monday_server(monday: MondaySandbox) -> Iterator[RunningServer]:
    with serve(monday.app) as running:
        yield running


def monday_config(url: str, board: str, token: str = "monday-token",
                  **overrides: Any) -> ConnectorConfig:
    """A connector config for the sandbox at `url`."""
    settings: dict[str, Any] = {"base_url": url, "token": SecretStr(token), "board": board,
                                "webhook": WebhookConfig(secret=SecretStr(SECRET))}
    return MondayConnector.config_model.model_validate({**settings, **overrides})
