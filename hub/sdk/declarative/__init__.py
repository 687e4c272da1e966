"""Declared connectors: a connector kind whose behaviour is a YAML manifest (auth, paging,
incremental reads, records, webhooks, writes, rate limits; REST or GraphQL), validated like
the config, with Python hooks for what a manifest can't say. `declare(path)` makes the
`Connector` class a `hub.connectors` entry point names."""

from __future__ import annotations

from hub.sdk.declarative.connector import DeclaredConnector
from hub.sdk.declarative.factory import config_model, declare, load_manifest, manifest_schema
from hub.sdk.declarative.hooks import Hooks
from hub.sdk.declarative.manifest import Manifest

__all__ = ["DeclaredConnector", "Hooks", "Manifest", "config_model", "declare", "load_manifest",
           "manifest_schema"]
