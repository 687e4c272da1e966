"""The shipped example config stays valid."""

from __future__ import annotations

from pathlib import Path

from hub.config.loader import load_config

ROOT = Path(__file__).parents[2]


def test_config_example_is_valid() -> None:
    config = load_config(ROOT / "config.example.yaml", {}, env={"HUB_DB_PASSWORD": "x" * 8})
    assert config.database.display_url == "postgresql://hub:***@db.internal:5432/hub"
    assert config.logging.format == "json"
