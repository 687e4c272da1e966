"""Trello: a declared connector (manifest.yaml, hooks.py) and a sandbox of its REST API."""

from __future__ import annotations

from pathlib import Path

from hub.sdk.declarative import declare

TrelloConnector = declare(Path(__file__).with_name("manifest.yaml"))
