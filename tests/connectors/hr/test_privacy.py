"""HR privacy: mappings of people and absences may not read pay or identity data (under any
field name), and HR fields beyond name, e-mail, department and manager are only read when the
mapping asks for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.mapping import default_mapping_path, load_mapping


@pytest.mark.parametrize(("field", "source"), [
    ("custom.rate", "payRate"), ("custom.pay", "compensation.annual"),
    ("custom.tax", "ssn"), ("custom.base", "Annual_Base_Pay"),
    ("custom.account", "bankAccount.iban"), ("custom.salary", "jobTitle")])
def test_pay_and_identity_fields_are_refused_with_a_clear_message(
        tmp_path: Path, field: str, source: str) -> None:
    path = tmp_path / "hr.yaml"
    path.write_text(f"kind: bamboohr\ntypes:\n  employee:\n    entity: person\n    fields:\n"
                    f"      email: {{from: workEmail, dir: in}}\n"
                    f"      {field}: {{from: {source}, dir: in}}\n")
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert "compensation/identity data" in str(info.value)
    assert f"types.employee.fields.{field}" in str(info.value)


def test_an_override_can_not_bring_pay_in_either() -> None:
    with pytest.raises(ConfigError, match=r"mapping_overrides .*payRate.* compensation"):
        load_mapping(default_mapping_path("bamboohr"), {"types": {"employee": {"fields": {
            "custom.rate": {"from": "payRate", "dir": "in"}}}}})


def test_the_shipped_hr_mappings_read_name_email_department_manager_and_status() -> None:
    for kind in ("bamboohr", "workday_report"):
        mapping = load_mapping(default_mapping_path(kind))
        person = next(t for t in mapping.types.values() if t.entity.value == "person")
        assert {r.name for r in person.rules} == {"email", "display_name", "department",
                                                  "manager", "employment_status"}
        assert all(not r.writes for r in person.rules)  # HR is read-only
