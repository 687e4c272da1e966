"""`rules:`, `channels:` and `digests:` are checked like the rest of the config: one line per
problem with file:line, the path and a hint; secrets stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.loader import load_config
from hub.errors import ConfigError
from hub.testing.fake import FakeConfig

KINDS = {"fake": FakeConfig}

BASE = """\
connectors:
  rd-jira:
    kind: fake
    tool: jira
    token: t0k3n
channels:
  rd-dingtalk:
    kind: dingtalk
    webhook: https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}
    secret: ${DING_SECRET}
    language: zh
    audience: {role: department, department: R&D}
"""

GOOD_RULES = """\
rules:
  - name: budget-rejected
    when: {entity: project, field: budget_status, to: rejected}
    then:
      - set: {target: tasks, where: {status: [todo, in_progress]}, fields: {status: blocked}}
      - notify: {channels: [rd-dingtalk], template: {zh: "{{ name }} 预算被拒绝"}}
  - name: design-done
    when: {entity: task, field: status, to: done}
    where: {tool: rd-jira}
    then:
      - create_task: {connector: rd-jira, title: "Implement: {{ record.title }}"}
"""


def _load(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, KINDS, env={"DING_TOKEN": "tok", "DING_SECRET": "SECsecret"})
    return [str(p) for p in info.value.problems]


def test_good_rules_load_and_the_robot_secret_is_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BASE + GOOD_RULES)
    config = load_config(path, KINDS, env={"DING_TOKEN": "tok", "DING_SECRET": "SECsecret"})
    assert [r.name for r in config.rules] == ["budget-rejected", "design-done"]
    assert "SECsecret" in config.secrets()
    assert "SECsecret" not in config.model_dump_json()


def test_unknown_channels_fields_connectors_and_broken_templates_are_located(
        tmp_path: Path) -> None:
    problems = _load(tmp_path, BASE + """\
rules:
  - name: bad
    when: {entity: task, field: statsu, to: done}
    then:
      - notify: {channels: [rd-dingtlak], template: "{{ name "}
      - create_task: {connector: asana, title: "x"}
""")
    text = "\n".join(problems)
    assert 'config.yaml:15 rules[0].when.field: "statsu" is not a task field (did you mean ' \
           '"status"?' in text
    assert 'rules[0].then[0].notify.channels[0]: "rd-dingtlak" is not a configured channel ' \
           '(did you mean "rd-dingtalk"?' in text
    assert "rules[0].then[0].notify.template: is not a valid template" in text
    assert 'rules[0].then[1].create_task.connector: "asana" is not a configured connector' in text


def test_a_rule_needs_its_event_details_and_a_unique_name(tmp_path: Path) -> None:
    problems = _load(tmp_path, BASE + """\
rules:
  - name: one
    when: {event: changed, entity: task}
    then: [{notify: {channels: [rd-dingtalk]}}]
  - name: one
    when: {event: created, entity: task}
    then: [{notify: {channels: [rd-dingtalk]}, set: {fields: {status: done}}}]
""")
    text = "\n".join(problems)
    assert "event changed needs `entity` and `field`" in text
    assert "each action is exactly one of notify, set, create_task" in text
