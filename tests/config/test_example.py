"""The shipped example config stays valid."""

from __future__ import annotations

from pathlib import Path

from hub.config.loader import load_config
from hub.sdk.registry import discover
from hub.sync.runtime import mapping_problems

ROOT = Path(__file__).parents[2]


def test_config_example_is_valid() -> None:
    env = {name: "x" * 8 for name in ("HUB_DB_PASSWORD", "JIRA_API_TOKEN", "JIRA_WEBHOOK_SECRET",
                                      "ASANA_TOKEN", "BAMBOOHR_API_KEY",
                                      "BAMBOOHR_WEBHOOK_KEY", "TRELLO_API_KEY", "TRELLO_TOKEN",
                                      "TRELLO_APP_SECRET", "MONDAY_API_TOKEN",
                                      "MONDAY_SIGNING_SECRET", "SALESFORCE_CLIENT_ID",
                                      "HUB_SSO_CLIENT_SECRET")}
    config = load_config(ROOT / "config.example.yaml", discover().config_models(), env=env)
    assert config.database.display_url == "postgresql://hub:***@db.internal:5432/hub"
    assert config.logging.format == "json"
    assert {c.kind for c in config.connectors.values()} == {"jira", "asana", "excel", "bamboohr",
                                                            "trello", "monday",
                                                            "salesforce"}
    # The declared kinds ship their mappings: every connector of the example can be read.
    assert mapping_problems(config, "config.example.yaml", discover()) == []
