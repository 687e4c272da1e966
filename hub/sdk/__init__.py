"""The connector SDK: what a connector implements and what the engine hands it.

A third party writes a `Connector` subclass with a pydantic config model and registers it under
the `hub.connectors` entry-point group; the engine owns the flow (polling, webhooks, pushes).
"""

from __future__ import annotations

from hub.errors import AuthenticationFailed, ConfigError, Permanent, Retriable
from hub.mapping.lookups import Lookup, Lookups
from hub.sdk.config import ConnectorConfig, PollConfig, WebhookConfig
from hub.sdk.connector import (
    CheckResult,
    Connector,
    FieldsRefused,
    Handshake,
    LinkRef,
    PollPage,
    PollProgress,
    Rejected,
    RemoteRecord,
    Report,
    ReportColumn,
    WebhookDelivery,
    WebhookMalformed,
    WebhookRejected,
    WebhookTarget,
)
from hub.sdk.webhooks import read_body

__all__ = [
    "AuthenticationFailed", "CheckResult", "ConfigError", "Connector", "ConnectorConfig",
    "FieldsRefused", "Handshake", "LinkRef", "Lookup", "Lookups", "Permanent", "PollConfig",
    "PollPage", "PollProgress", "Rejected", "RemoteRecord", "Report", "ReportColumn",
    "Retriable", "WebhookConfig", "WebhookDelivery", "WebhookMalformed", "WebhookRejected",
    "WebhookTarget", "read_body",
]
