"""The `comments:` section: its defaults, and connectors it names that aren't configured,
located like every other problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.loader import load_config
from hub.errors import ConfigError
from tests.config.test_errors import GOOD, KINDS, _write


def test_comments_default_to_every_tool_and_deletes_that_propagate(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD), KINDS, env={"FAKE_TOKEN": "t"})
    assert config.comments.deletes == "propagate"
    assert config.comments.sends("rd-jira", "RD")
    assert config.comments.receives("rd-jira", None)


def test_comments_name_configured_connectors(tmp_path: Path) -> None:
    text = GOOD + """\
comments:
  deletes: keep
  connectors: {rd-jra: send}
  projects:
    RND: [rd-jira, mkt-asana]
"""
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text), KINDS, env={"FAKE_TOKEN": "t"})
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        f'{tmp_path}/config.yaml:12 comments.connectors.rd-jra: "rd-jra" is not a configured '
        'connector (did you mean "rd-jira"? configured: rd-jira)',
        f'{tmp_path}/config.yaml:14 comments.projects.RND[1]: "mkt-asana" is not a configured '
        'connector (configured: rd-jira)']
