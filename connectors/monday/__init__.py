"""monday.com: a declared connector over its GraphQL API (manifest.yaml, hooks.py) and a
sandbox serving monday's own schema."""

from __future__ import annotations

from pathlib import Path

from hub.sdk.declarative import declare

MondayConnector = declare(Path(__file__).with_name("manifest.yaml"))
