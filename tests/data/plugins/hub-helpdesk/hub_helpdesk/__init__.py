"""Helpdesk for the integration hub: a declared connector (manifest.yaml, hooks.py,
mapping.yaml) and a sandbox of its API (sandbox.py)."""

from __future__ import annotations

from pathlib import Path

from hub.sdk.declarative import declare

HelpdeskConnector = declare(Path(__file__).with_name("manifest.yaml"))
