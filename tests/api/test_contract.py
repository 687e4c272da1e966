"""The API keeps its own OpenAPI description, so a generated client works: the schemathesis
command line, with every check it has (server errors, status codes, media types, headers and
bodies as described, schema-valid requests taken and invalid ones refused, `Allow` on OPTIONS,
unauthenticated calls refused, ...) and the project's `schemathesis.toml`, runs against a
populated hub served over HTTP, as `hub serve` runs it (migrated database, workers), and finds
nothing.

Bounded: a few examples per operation and phase. Runs once, on its own SQLite file (the
database tests run the API on PostgreSQL too).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.api.app import create_app
from hub.store import migrate
from hub.store.db import make_engine
from hub.testing.server import serve
from tests.api.world import NOW, seed
from tests.sync.harness import fake_config, fake_registry, fake_tools

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 10  # per operation, phase and kind of data


@pytest.mark.timeout(600)
def test_schemathesis_with_every_check_finds_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate.upgrade(engine)  # as `hub serve` does: /readyz is ready
    world = seed(engine)
    app = create_app(fake_config(fake_tools(["a", "b"])), engine, fake_registry(),
                     background=True)  # workers: a poll can be queued
    app.state.clock = lambda: NOW
    with serve(app) as server:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli",
             "--config-file", str(ROOT / "schemathesis.toml"), "run",
             f"{server.url}/openapi.json", "--checks", "all",
             "--header", f"Authorization: Bearer {world.tokens['admin']}",
             "--max-examples", str(EXAMPLES), "--workers", "1",
             "--generation-database", "none", "--no-color"],
            capture_output=True, text=True, timeout=540, cwd=tmp_path, check=False)
    engine.dispose()
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    selected = re.search(r"Selected: (\d+)/\d+", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected is not None, output[-3000:]
    assert tested is not None, output[-3000:]
    assert tested[1] == selected[1], output[-3000:]  # every operation, none left untried
