"""`hub sandbox trello`, found through the hub.sandboxes entry point, seeds and serves."""

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
    result = CliRunner().invoke(sandbox_cmd.app, ["trello", "--seed-cards", "12",
                                                  "--token", "tok-1"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8084
    assert served["name"] == "Trello"
    assert len(served["sandbox"].cards) == 12
    assert any("token=tok-1" in line for line in served["credentials"])
