"""A broken mapping file gives one line per problem (file:line, YAML path, what is wrong), all
at once; connector overrides merge into the file; people's pay and identity data are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigError
from hub.mapping import load_mapping
from hub.model.enums import Priority, TaskStatus
from tests.mapping.conftest import LoadText

GOOD = """\
kind: fake
types:
  item:
    entity: task
    fields:
      title: {from: fields.title}
      description: {from: fields.description, transform: adf_to_text, dir: in}
      status:
        from: fields.status
        map: {"To do": todo, "Doing": in_progress, "Done": done}
        raw: raw_status
      priority: {from: fields.priority, map: {P1: urgent, P2: high}, default: medium}
      due_date: fields.due
"""


def _problems(load_text: LoadText, text: str, overrides: dict[str, Any] | None = None,
              ) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(text, overrides)
    return [str(p) for p in info.value.problems]


def _where(tmp_path: Path, line: int) -> str:
    return f"{tmp_path}/mappings/fake.yaml:{line}"


def test_a_good_file_loads(load_text: LoadText) -> None:
    mapping = load_text(GOOD)
    assert mapping.kind == "fake"
    item = mapping.for_type("item")
    assert item.inbound({"fields": {"due": "2024-01-31"}}).values["due_date"].day == 31


def test_a_wrong_canonical_value_in_a_map_names_the_line_and_the_choices(
        load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace('"Doing": in_progress', '"Doing": in_progres'))
    assert problems == [
        f"{_where(tmp_path, 10)} types.item.fields.status.map.Doing: \"in_progres\" is not a task "
        "status (expected one of: todo, in_progress, blocked, in_review, done, cancelled)"]


def test_an_unknown_field_suggests_the_right_one(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace("title:", "titel:"))
    assert problems == [f'{_where(tmp_path, 6)} types.item.fields.titel: is not a task field '
                        '(did you mean "title"?)']


def test_an_id_field_points_at_the_person_reference(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace("entity: task", "entity: project").replace(
        "title:", "name:").replace("      priority", "      owner_id: fields.lead\n      #"))
    assert f"{_where(tmp_path, 12)} types.item.fields.owner_id: is not mappable: map owner " \
           "(the person's e-mail) instead; the hub resolves it to the person" in problems


def test_an_unknown_key_is_an_error(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace("transform:", "tranform:"))
    assert problems == [f'{_where(tmp_path, 7)} types.item.fields.description.tranform: '
                        'is not a known key (did you mean "transform"?)']


def test_an_unknown_transform_lists_the_registered_ones(load_text: LoadText,
                                                        tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace("adf_to_text", "adf_to_txt"))
    assert len(problems) == 1
    assert problems[0].startswith(
        f'{_where(tmp_path, 7)} types.item.fields.description.transform: "adf_to_txt" is not a '
        'known transform (did you mean "adf_to_text"? registered: adf_to_text, casefold, ')
    assert "person_by_email" in problems[0]


def test_an_unknown_entity_lists_the_entities(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace("entity: task", "entity: ticket"))
    assert problems == [f'{_where(tmp_path, 4)} types.item.entity: "ticket" is not an entity '
                        "(expected one of: project, task, person, absence, budget_line, "
                        "account, opportunity)"]


def test_bad_path_syntax_is_located(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace("fields.due", '"fields..due"'))
    assert problems == [f'{_where(tmp_path, 13)} types.item.fields.due_date.from: '
                        '"fields..due" is not a valid path (needs a key name after "fields.")']


def test_a_selector_cannot_be_written_back(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD + "      custom.jira_key: "
                         "{from: 'fields.custom[name=Jira key].value', dir: both}\n")
    assert problems == [
        f'{_where(tmp_path, 14)} types.item.fields.custom.jira_key.dir: "both" is not possible '
        "for fields.custom[name=Jira key].value: an index or selector can't be written back "
        "(set dir: in; the connector writes such fields itself)"]


def test_every_problem_is_reported_at_once(load_text: LoadText, tmp_path: Path) -> None:
    broken = (GOOD.replace("title:", "titel:")
              .replace("default: medium", "default: highest")
              .replace("adf_to_text", "nope")
              .replace("raw: raw_status", "raw: raw_status\n        unmapped: keep_rawish"))
    problems = _problems(load_text, broken)
    assert [p.split(" ", 1)[1].split(":")[0] for p in problems] == [
        "types.item.fields.titel",
        "types.item.fields.description.transform",
        "types.item.fields.status.unmapped",
        "types.item.fields.priority.default",
    ]
    assert any('"highest" is not a task priority' in p for p in problems)


def test_policies_need_what_they_use(load_text: LoadText, tmp_path: Path) -> None:
    problems = _problems(load_text, GOOD.replace(
        "raw: raw_status", "unmapped: keep_raw").replace(
        "default: medium", "default: medium, raw: title"))
    assert problems == [
        f"{_where(tmp_path, 11)} types.item.fields.status.unmapped: is keep_raw, but the field "
        "has no raw: to keep it in",
        f'{_where(tmp_path, 12)} types.item.fields.priority.raw: "title" is mapped itself; '
        "raw: needs a field of its own"]


@pytest.mark.parametrize("name", ["custom.salary", "custom.base_compensation", "custom.SSN",
                                  "custom.bank_account", "custom.national_id", "custom.bonus_2024",
                                  "custom.pay_rate"])
def test_pay_and_identity_data_of_people_is_refused(load_text: LoadText, tmp_path: Path,
                                                    name: str) -> None:
    problems = _problems(load_text, f"""\
kind: hr
types:
  employee:
    entity: person
    fields:
      email: {{from: work_email}}
      display_name: {{from: name}}
      {name}: {{from: comp.value, dir: in}}
""")
    assert problems == [f"{_where(tmp_path, 8)} types.employee.fields.{name}: is "
                        "compensation/identity data; the hub does not store it"]


def test_people_map_by_email_and_manager(load_text: LoadText) -> None:
    employee = load_text("""\
kind: hr
types:
  employee:
    entity: person
    fields:
      email: {from: work_email}
      manager: {from: manager.email}
      custom.desk: {from: desk}
""").for_type("employee")
    assert employee.inbound({"work_email": "Ana@X.com", "manager": {"email": "Bo@X.com"},
                             "desk": "4.12"}).values == {
        "email": "ana@x.com", "manager": "bo@x.com", "custom.desk": "4.12"}


def test_overrides_merge_into_the_file(load_text: LoadText) -> None:
    item = load_text(GOOD, {"types": {"item": {"fields": {
        "status": {"map": {"Blocked": "blocked"}},
        "priority": None,
        "due_date": {"from": "fields.deadline"},
    }}}}).for_type("item")
    result = item.inbound({"fields": {"status": "Blocked", "priority": "P1",
                                      "due": "2024-01-01", "deadline": "2024-02-02"}})
    assert result.values["status"] is TaskStatus.blocked
    assert "priority" not in result.values
    assert "priority" not in item.inbound_fields
    assert str(result.values["due_date"]) == "2024-02-02"
    # The entries the override didn't touch are still there.
    assert item.inbound({"fields": {"status": "Doing"}}).values["status"] is (
        TaskStatus.in_progress)


def test_a_problem_in_an_override_points_at_the_override(tmp_path: Path) -> None:
    path = tmp_path / "fake.yaml"
    path.write_text(GOOD)
    with pytest.raises(ConfigError) as info:
        load_mapping(path, {"types": {"item": {"fields": {"status": {
                         "map": {"Blocked": "blokked"}}}}}},
                     overrides_from="config.yaml connectors.rd.mapping_overrides")
    assert [str(p) for p in info.value.problems] == [
        'config.yaml connectors.rd.mapping_overrides types.item.fields.status.map.Blocked: '
        '"blokked" is not a task status (expected one of: todo, in_progress, blocked, '
        "in_review, done, cancelled)"]


def test_a_missing_file_and_an_empty_file(tmp_path: Path, load_text: LoadText) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found"):
        load_mapping(tmp_path / "nope.yaml")
    assert _problems(load_text, "") == [
        f"{tmp_path}/mappings/fake.yaml: must be a mapping with kind: and types:"]


def test_a_default_for_a_mapped_field_is_a_canonical_value(load_text: LoadText) -> None:
    item = load_text(GOOD).for_type("item")
    assert item.inbound({"fields": {}}).values == {"priority": Priority.medium}
