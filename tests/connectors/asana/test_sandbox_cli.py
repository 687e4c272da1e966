"""`hub sandbox asana` serves the sandbox with the token and seeded data it was given."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import sandbox_cmd


def test_command_seeds_and_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}

    def fake_run(asgi: Any, **options: Any) -> None:
        served.update(options, sandbox=asgi.state.sandbox)

    monkeypatch.setattr(sandbox_cmd, "run_sandbox", fake_run)
    result = CliRunner().invoke(sandbox_cmd.app, ["asana", "--port", "9999",
                                                  "--seed-tasks", "30", "--token", "pat-1"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 9999
    assert served["name"] == "Asana"
    assert len(served["sandbox"].state.tasks) == 30
    assert "pat-1" in served["sandbox"].state.tokens
    assert any("Bearer pat-1" in line for line in served["credentials"])
