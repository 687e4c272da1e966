"""`hub serve` on the embedded default creates and upgrades its SQLite file by itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.store import migrate
from hub.store.db import make_engine
from hub.testing.server import free_port
from tests.plugins import run_hub

HEAD = migrate.head_revision(make_engine("sqlite://"))


def test_serve_creates_the_database_and_becomes_ready(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "config.yaml").write_text(
        f"database:\n  url: sqlite:///{tmp_path}/data/hub.db\nserver:\n  port: {port}\n")
    env = {**os.environ, "HUB_CONFIG": str(tmp_path / "config.yaml")}
    server = subprocess.Popen([sys.executable, "-m", "hub", "serve"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, ready = time.monotonic() + 30, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)  # polling for the port to open, with a deadline
        assert ready is not None, "server did not start"
        assert ready.status_code == 200, ready.text
        assert (tmp_path / "data" / "hub.db").exists()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    # uvicorn shuts down cleanly, then re-raises SIGTERM as its exit status.
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Finished server process" in output
    assert f"upgraded: empty -> {HEAD}" in output


def test_db_upgrade_then_current(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(f"database:\n  url: sqlite:///{tmp_path}/hub.db\n")

    upgraded = run_hub("db", "upgrade", "-c", "config.yaml", cwd=tmp_path)
    current = run_hub("db", "current", "-c", "config.yaml", cwd=tmp_path)

    assert upgraded.returncode == 0, upgraded.stderr
    assert f"empty -> {HEAD}" in upgraded.stdout
    assert f"database: {HEAD}, code: {HEAD}" in current.stdout
