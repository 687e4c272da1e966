"""`hub token create|list|revoke`: the secret is printed once, lists never show it, and a
revoked token no longer opens the API."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hub.api.app import create_app
from hub.auth.cache import TTL, TokenCache
from hub.cli.main import app
from hub.config.models import DatabaseConfig, HubConfig
from hub.store.db import make_engine


def _run(runner: CliRunner, config: Path, *args: str) -> tuple[int, str]:
    # The CLI points logging at the runner's streams, which close after the command.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = runner.invoke(app, ["token", *args, "--config", str(config)])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return result.exit_code, result.output


def test_create_list_and_revoke(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    config = tmp_path / "config.yaml"
    config.write_text(f'database:\n  url: "{url}"\n')
    runner = CliRunner()

    code, created = _run(runner, config, "create", "--role", "partner", "--partner", "Acme",
                         "--projects", "RD,SPACE", "--expires", "30d", "--name", "acme")
    secret = created.strip().splitlines()[-1]
    found = re.search(r"token (\w{26}) \(acme", created)
    assert found is not None, created
    token_id = found.group(1)
    _, listed = _run(runner, config, "list")
    engine = make_engine(url)
    server = create_app(HubConfig(database=DatabaseConfig.model_validate({"url": url})), engine)
    ticks = [0.0]
    server.state.token_cache = TokenCache(monotonic=lambda: ticks[0])
    api = TestClient(server)
    before = api.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"})
    revoke_code, revoked = _run(runner, config, "revoke", token_id)
    ticks[0] += TTL  # a running server trusts a checked token this long
    after = api.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"})

    assert code == 0
    assert secret.startswith("hub_")
    assert "acme" in listed
    assert secret not in listed
    assert before.status_code == 200
    assert revoke_code == 0, revoked
    assert after.status_code == 401
    engine.dispose()


def test_a_scope_that_does_not_fit_the_role_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f'database:\n  url: "sqlite:///{tmp_path / "hub.db"}"\n')

    code, output = _run(CliRunner(), config, "create", "--role", "department")

    assert code == 2
    assert "--department" in output
