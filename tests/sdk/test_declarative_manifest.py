"""Manifests are validated like the config: every problem with file, line and the YAML's own
path; references to settings that don't exist are caught before anything runs; the settings
become the kind's config model; and `hub connector schema` gives editors the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from hub.errors import ConfigError
from hub.sdk.declarative import declare, load_manifest
from tests.plugins import run_hub

GOOD = """\
kind: tickets
settings:
  token: {type: secret}
  project: {description: the project key}
  page_size: {type: integer, default: 50}
api:
  base_url: https://tickets.example/api
  auth: {type: bearer, token: "{config.token}"}
check: {call: {path: /me}, detail: "{answer.name}"}
records:
  ticket:
    entity: task
    list: {path: "/projects/{config.project}/tickets", paging: {type: page, size: 50}}
    updated: updated_at
    incremental: {param: updated_since, lookback: 2m}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(text)
    return path


def test_a_good_manifest_makes_a_connector_with_its_settings(tmp_path: Path) -> None:
    cls = declare(_write(tmp_path, GOOD))

    config = cls.config_model.model_validate({"token": SecretStr("t"), "project": "OPS"})
    assert cls.kind == "tickets"
    assert cls.remote_types == {"ticket": "task"}
    assert config.page_size == 50  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        # project is required: it has no default
        cls.config_model.model_validate({"token": SecretStr("t")})


def test_problems_name_file_line_and_path(tmp_path: Path) -> None:
    bad = GOOD.replace("auth: {type: bearer, token:", "auth: {type: bearer, tokn:") \
        .replace("entity: task", "entity: task\n    fetchh: {path: /x}")
    path = _write(tmp_path, bad)

    with pytest.raises(ConfigError) as info:
        load_manifest(path)

    lines = [str(p) for p in info.value.problems]
    assert f"{path}:8 api.auth.token: is required" in lines
    assert any(line.startswith(f"{path}:8 api.auth.tokn: is not a known key") for line in lines)
    assert any(line.startswith(f"{path}:13 records.ticket.fetchh: is not a known key")
               for line in lines)


def test_a_reference_to_a_setting_that_is_not_declared(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("{config.project}", "{config.projet}"))

    with pytest.raises(ConfigError) as info:
        load_manifest(path)

    assert [str(p) for p in info.value.problems] == [
        f"{path}:13 records.ticket.list.path: refers to config.projet, which is not a setting "
        "(declare it under settings:)"]


def test_the_schema_and_the_check_command(tmp_path: Path) -> None:
    schema = run_hub("connector", "schema")
    bad = run_hub("connector", "check", str(_write(tmp_path, GOOD.replace("kind: tickets",
                                                                           "kind: Tickets"))))

    assert schema.returncode == 0
    assert "signature" in json.loads(schema.stdout)["$defs"]["Webhooks"]["properties"]
    assert bad.returncode == 2
    assert "manifest.yaml:1 kind:" in bad.stderr
