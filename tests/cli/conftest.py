"""Fixtures of the CLI tests that run `hub` in this process (typer's CliRunner)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from hub.cli import common
from tests.sync.harness import fake_registry


@pytest.fixture
def fake_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test kit's fake connector is "installed" as kind `fake`."""
    monkeypatch.setattr(common, "discover", fake_registry)


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    # A command points the root logger at its own stderr; later tests need theirs back.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
