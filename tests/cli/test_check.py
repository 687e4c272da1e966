"""`hub check` finds third-party connectors, survives broken ones, and never shows a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins import install_plugin, run_hub

SECRET = "s3cr3t-Acme-T0ken-7f1d"
DB_PASSWORD = "pg-Pa55word-99"

CONFIG = """\
connectors:
  acme-support:
    kind: acme
    base_url: https://acme.example
    api_token: ${ACME_TOKEN}
    expected_token: %s
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = install_plugin(tmp_path / "site", "acme_hub", "acme_hub",
                          {"acme": "acme_hub:AcmeConnector"})
    return install_plugin(site, "broken_hub", "broken_hub", {"broken": "broken_hub:Broken"})


def _config(tmp_path: Path, expected: str, extra: str = "") -> None:
    (tmp_path / "config.yaml").write_text(
        CONFIG % expected + f"database:\n  url: sqlite:///{tmp_path}/hub.db\n" + extra)


def test_a_plugin_connector_is_found_and_checked(tmp_path: Path, site: Path) -> None:
    _config(tmp_path, expected=SECRET)

    result = run_hub("check", "--config", "config.yaml", cwd=tmp_path, site=site,
                     env={"ACME_TOKEN": SECRET})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "acme-support" in result.stdout
    assert "acme at https://acme.example" in result.stdout
    assert "ok" in result.stdout


def test_a_plugin_whose_mapping_is_missing_is_reported_by_check(tmp_path: Path) -> None:
    site = install_plugin(tmp_path / "site", "acme_hub", "acme_hub",
                          {"acme": "acme_hub:AcmeConnector"}, data=False)
    _config(tmp_path, expected=SECRET)

    result = run_hub("check", "--config", "config.yaml", cwd=tmp_path, site=site,
                     env={"ACME_TOKEN": SECRET})

    assert result.returncode == 2, result.stdout + result.stderr
    assert 'config.yaml connectors.acme-support: kind "acme" names its mapping' in result.stderr
    assert "acme_hub.yaml, which is not there" in result.stderr
    assert "mapping:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_plugin_is_reported_and_the_others_still_load(
        tmp_path: Path, site: Path) -> None:
    _config(tmp_path, expected=SECRET)

    result = run_hub("check", "--config", "config.yaml", cwd=tmp_path, site=site,
                     env={"ACME_TOKEN": SECRET})

    assert "connector plugin broken (broken_hub:Broken) failed to load" in result.stderr
    assert "libacme 9" in result.stderr
    assert "acme-support" in result.stdout


def test_a_failed_check_exits_1(tmp_path: Path, site: Path) -> None:
    _config(tmp_path, expected="another-token")

    result = run_hub("check", "--config", "config.yaml", cwd=tmp_path, site=site,
                     env={"ACME_TOKEN": SECRET})

    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "acme refused token" in result.stdout


def test_no_secret_appears_in_any_output(tmp_path: Path, site: Path) -> None:
    # The plugin logs its token and puts it into its error; the database URL has a password.
    config = CONFIG % "another-token" + (
        f"database:\n  url: postgresql://hub:{DB_PASSWORD}@127.0.0.1:1/nowhere\n")
    (tmp_path / "config.yaml").write_text(config)
    # ...and a secret that lands in the wrong field must not be echoed by the error either.
    misplaced = "    kind: acme\n    timeout: ${ACME_TOKEN}\n"
    (tmp_path / "bad.yaml").write_text(config.replace("    kind: acme\n", misplaced))
    env = {"ACME_TOKEN": SECRET}

    check = run_hub("check", "--config", "config.yaml", cwd=tmp_path, site=site, env=env)
    show = run_hub("config", "show", "--config", "config.yaml", cwd=tmp_path, site=site, env=env)
    bad = run_hub("check", "--config", "bad.yaml", cwd=tmp_path, site=site, env=env)

    assert check.returncode == 1  # both the database and the connector fail
    assert "acme refused token ***" in check.stdout
    assert "hub:***@127.0.0.1" in check.stdout
    assert "api_token: '**********'" in show.stdout
    assert bad.returncode == 2
    assert "connectors.acme-support.timeout: the value (hidden) is not a duration" in bad.stderr
    for result in (check, show, bad):
        output = result.stdout + result.stderr
        assert SECRET not in output
        assert DB_PASSWORD not in output


def test_a_bad_mapping_override_stops_every_command_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        f"database:\n  url: sqlite:///{tmp_path}/hub.db\n"
        "connectors:\n  mkt-asana:\n    kind: asana\n    token: pat\n    projects: ['1']\n"
        "    mapping_overrides:\n      types: {task: {fields: {due_date: {from: due_on, "
        "dir: sideways}}}}\n")

    for command in (["check"], ["serve"], ["sync", "mkt-asana"]):
        result = run_hub(*command, "--config", "config.yaml", cwd=tmp_path, timeout=60)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stderr.startswith(
            "config.yaml:9 connectors.mkt-asana.mapping_overrides.types.task.fields.due_date.dir: "
            '"sideways" is not valid: input should be \'in\', \'out\', \'both\' or '
            "'create'"), result.stderr
        assert "Traceback" not in result.stderr
