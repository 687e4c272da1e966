"""The shipped example config stays valid."""

from __future__ import annotations

from pathlib import Path

from hub.config.loader import load_config
from hub.sdk.registry import discover

ROOT = Path(__file__).parents[2]


def test_config_example_is_valid() -> None:
    env = {"HUB_DB_PASSWORD": "x" * 8, "JIRA_API_TOKEN": "t" * 8, "JIRA_WEBHOOK_SECRET": "s" * 8}
    config = load_config(ROOT / "config.example.yaml", discover().config_models(), env=env)
    assert config.database.display_url == "postgresql://hub:***@db.internal:5432/hub"
    assert config.logging.format == "json"
    assert config.connectors["rd-jira"].kind == "jira"
