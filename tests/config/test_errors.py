"""A broken config gives one line per problem: file:line, YAML path, what was found and expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.loader import load_config
from hub.config.sync import OwnerPolicy
from hub.errors import ConfigError
from hub.model.enums import Entity
from hub.testing.fake import FakeConfig
from tests.plugins import fake_site, run_hub

KINDS = {"fake": FakeConfig}

GOOD = """\
database:
  url: sqlite:///hub.db
connectors:
  rd-jira:
    kind: fake
    tool: jira
    token: ${FAKE_TOKEN:-t0k3n}
    poll:
      every: 2m
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def _problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text), KINDS, env=env or {})
    return [str(p) for p in info.value.problems]


def test_a_good_config_loads_with_defaults_and_env(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD), KINDS, env={"FAKE_TOKEN": "from-env"})
    jira = config.connectors["rd-jira"]
    assert isinstance(jira, FakeConfig)
    assert jira.token.get_secret_value() == "from-env"
    assert jira.poll.every.total_seconds() == 120
    assert config.server.port == 8080


def test_env_default_is_used_when_the_variable_is_unset(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD), KINDS, env={})
    jira = config.connectors["rd-jira"]
    assert isinstance(jira, FakeConfig)
    assert jira.token.get_secret_value() == "t0k3n"


def test_bad_duration_names_file_line_path_and_the_fix(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD.replace("every: 2m", 'every: "2 minutes"'))
    assert problems == [f"{tmp_path}/config.yaml:9 connectors.rd-jira.poll.every: "
                        '"2 minutes" is not a duration (try 2m, 90s, 1h)']


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD.replace("    poll:\n", "    pol:\n"))
    assert problems == [f"{tmp_path}/config.yaml:8 connectors.rd-jira.pol: "
                        'is not a known key (did you mean "poll"?)']


def test_unknown_top_level_section_lists_what_is_expected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD + "scheduler:\n  workers: 2\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path}/config.yaml:10 scheduler: is not a known key")
    assert "connectors" in problems[0]


def test_wrong_type_says_what_was_found(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD + "server:\n  port: eighty\n")
    assert problems == [f'{tmp_path}/config.yaml:11 server.port: "eighty" is not valid: '
                        "input should be a valid integer, unable to parse string as an integer"]


def test_undefined_variable_is_named_with_the_fix(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD.replace("${FAKE_TOKEN:-t0k3n}", "${FAKE_TOKEN}"))
    assert problems == [f"{tmp_path}/config.yaml:7 connectors.rd-jira.token: ${{FAKE_TOKEN}} is "
                        "not set in the environment (export FAKE_TOKEN=..., or write "
                        "${FAKE_TOKEN:-default})"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("every: 2m", "every: soon") + "logging:\n  level: loud\n"
    problems = _problems(tmp_path, text)
    paths = [p.split(" ")[1] for p in problems]
    assert paths == ["logging.level:", "connectors.rd-jira.poll.every:"]


def test_unknown_connector_kind_lists_the_installed_ones(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD.replace("kind: fake", "kind: fakee"))
    assert problems == [f'{tmp_path}/config.yaml:5 connectors.rd-jira.kind: "fakee" is not an '
                        'installed connector kind (did you mean "fake"? installed: fake)']


def test_yaml_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "server:\n  port: [8080\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path}/config.yaml:3: is not valid YAML")


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "server:\n  port: 1\n  port: 2\n")
    assert problems == [f"{tmp_path}/config.yaml:3 server.port: is given twice"]


def test_a_secret_from_the_environment_is_never_echoed(tmp_path: Path) -> None:
    text = GOOD.replace("every: 2m", "every: ${FAKE_TOKEN}")
    problems = _problems(tmp_path, text, env={"FAKE_TOKEN": "hunter2-secret"})
    assert problems == [f"{tmp_path}/config.yaml:9 connectors.rd-jira.poll.every: "
                        "the value (hidden) is not a duration (try 2m, 90s, 1h)"]


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD.replace("poll:", "pol:"),
     'connectors.rd-jira.pol: is not a known key (did you mean "poll"?)'),
    (GOOD.replace("every: 2m", "every: 2 minutes"),
     'connectors.rd-jira.poll.every: "2 minutes" is not'),
    (GOOD.replace("${FAKE_TOKEN:-t0k3n}", "${UNSET_TOKEN}"), "${UNSET_TOKEN} is not set"),
    (GOOD.replace("every: 2m", "every: [1]"),
     "connectors.rd-jira.poll.every: [1] is not a duration"),
    ("server:\n  port:8080\n  host: x\n", '"port:8080" needs a space after the colon'),
    (GOOD + "    webhook:\n    secret: abc\n", "indent secret under webhook"),
])
def test_hub_exits_with_code_2_and_one_line_per_problem(
        tmp_path: Path, text: str, expected: str) -> None:
    _write(tmp_path, text)

    result = run_hub("check", "--config", "config.yaml", cwd=tmp_path,
                     site=fake_site(tmp_path / "site"))

    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("config.yaml:")
    assert expected in lines[0]


SYNC = GOOD + """\
  mkt-asana:
    kind: fake
    tool: asana
    token: t0k3n
sync:
  entities:
    task:
      match: [custom.jira_key, titel]
      fields:
        due_date: {owner: rd-jra}
        status: latest
      mirror:
        - {from: rd-jira, to: mkt-asana}
"""


def test_sync_rules_name_configured_connectors_and_real_fields(tmp_path: Path) -> None:
    problems = _problems(tmp_path, SYNC)
    assert problems == [
        f'{tmp_path}/config.yaml:17 sync.entities.task.match[1]: "titel" is not a task field '
        '(did you mean "title"? or custom.<name>)',
        f'{tmp_path}/config.yaml:19 sync.entities.task.fields.due_date.owner: "rd-jra" is not a '
        'configured connector (did you mean "rd-jira"? configured: mkt-asana, rd-jira)',
    ]


def test_a_good_sync_section_loads(tmp_path: Path) -> None:
    text = SYNC.replace(", titel]", "]").replace("rd-jra", "rd-jira")
    config = load_config(_write(tmp_path, text), KINDS, env={})
    rules = config.sync.entities[Entity.task]
    assert rules.match == ["custom.jira_key"]
    assert rules.policy("due_date") == OwnerPolicy(owner="rd-jira")
    assert rules.policy("title") == "latest"
    assert rules.mirror[0].to == "mkt-asana"


def test_an_unquoted_variable_in_a_flow_mapping_gets_a_hint(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "server:\n  port: 1\nlogging: {level: ${LEVEL}}\n")
    assert problems == [f"{tmp_path}/config.yaml:3 logging: is not valid YAML: expected ',' or "
                        "'}', but got '{' (inside {...} or [...], quote variables: \"${VAR}\")"]


@pytest.mark.parametrize(("text", "expected"), [
    ("server:\n  port:8080\n  host: x\n",
     'config.yaml:2 server: is not valid YAML: mapping values are not allowed here ("port:8080" '
     'needs a space after the colon: "port: 8080")'),
    ("server:\n\tport: 8080\n",
     "config.yaml:2 server.port: is not valid YAML: found character '\\t' that cannot start any "
     "token (this line is indented with a tab: YAML indents with spaces only)"),
    ("logging:\n  level: info\n  format: a: b\n",
     "config.yaml:3 logging.format: is not valid YAML: mapping values are not allowed here (a "
     'value that contains ": " must be quoted: key: "a: b")'),
    ("connectors:\n  x:\n    kind jira\n    poll: {}\n",
     "config.yaml:3 connectors.x: is not valid YAML: mapping values are not allowed here "
     '("kind jira" has no colon: a setting is written "key: value")'),
])
def test_a_yaml_syntax_error_names_the_line_to_fix_and_the_usual_cause(
        tmp_path: Path, text: str, expected: str) -> None:
    problems = _problems(tmp_path, text)
    assert problems == [f"{tmp_path}/{expected}"]


def test_a_key_indented_out_of_its_empty_section_is_one_line(tmp_path: Path) -> None:
    text = GOOD + "    webhook:\n    secret: abc\n"

    problems = _problems(tmp_path, text)

    assert problems == [f"{tmp_path}/config.yaml:11 connectors.rd-jira.secret: is not a key "
                        'here; "secret" is a key of webhook, which is empty (line 10): indent '
                        "secret under webhook"]


def test_an_empty_section_and_a_value_for_a_section_say_what_is_expected(
        tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD + "server: 8080\nlogging:\n")
    assert problems == [
        f"{tmp_path}/config.yaml:10 server: 8080 is not a mapping (expected a mapping of host, "
        "port, public_url)",
        f"{tmp_path}/config.yaml:11 logging: is empty (expected a mapping of format, level; or "
        "remove the line for the defaults)"]


def test_a_database_url_alone_is_short_for_its_url(tmp_path: Path) -> None:
    text = GOOD.replace("database:\n  url: sqlite:///hub.db\n", "database: sqlite:///x.db\n")
    config = load_config(_write(tmp_path, text), KINDS, env={})
    assert config.database.url.get_secret_value() == "sqlite:///x.db"


def test_a_bad_database_url_alone_is_refused_at_its_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "database: mysql://db/hub\n")
    assert problems == [f"{tmp_path}/config.yaml:1 database.url: the value (hidden) is not "
                        "valid: database 'mysql' is not supported (use sqlite or postgresql)"]
