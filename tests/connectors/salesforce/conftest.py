"""Fixtures for the Salesforce tests: the connected app's key pair, the sandbox org served over
TLS (simple-salesforce speaks https only), and connectors signed in to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SalesforceSandbox
from connectors.salesforce.sandbox.seed import make_key_pair
from hub.testing.server import RunningServer, self_signed_certificate, serve
from tests.connectors.conftest import FakeClock

AUDIENCE = "https://login.salesforce.com"
USER = "integration@aurora.example"


@pytest.fixture(scope="session")
def key_pair() -> tuple[str, str]:
    """(private key PEM, certificate PEM) of the hub's connected app."""
    return make_key_pair()


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("salesforce-tls"))


@pytest.fixture
def org(clock: FakeClock, key_pair: tuple[str, str]) -> SalesforceSandbox:
    sandbox = SalesforceSandbox(certificate=key_pair[1], audience=AUDIENCE, username=USER,
                                seed=3, clock=clock)
    sandbox.add_user("maria.sales@aurora.example", "Maria Sales", department="Sales EMEA")
    return sandbox


@pytest.fixture
def org_server(org: SalesforceSandbox, tls: tuple[Path, Path]) -> Iterator[RunningServer]:
    with serve(org.app, certfile=tls[0], keyfile=tls[1]) as running:
        yield running
        # Keep-alive TLS connections of finished tests need not be waited for.
        running.server.force_exit = True


def sf_config(url: str, key: str, ca: Path, **overrides: Any) -> SalesforceConfig:
    """A JWT-bearer connector config for the sandbox org at `url`."""
    settings: dict[str, Any] = {
        "instance_url": url, "login_url": url, "client_id": "hub-connected-app",
        "username": USER, "private_key": SecretStr(key), "ca_bundle": ca}
    return SalesforceConfig(**{**settings, **overrides})


def connector_for(org: SalesforceSandbox, url: str, key: str, ca: Path, clock: FakeClock,
                  **overrides: Any) -> SalesforceConnector:
    """A connector signed in to the sandbox org, on the org's clock."""
    org.connected_app.audience = url
    connector = SalesforceConnector("sales", sf_config(url, key, ca, **overrides))
    connector.clock = lambda: datetime.fromtimestamp(clock(), UTC)
    connector.client.clock = clock
    return connector
