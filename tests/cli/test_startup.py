"""What `hub` says when it can't start as asked: one line naming what to change, and an exit
code a script can act on (2: change the command or config, 1: something it needs failed)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.logs import configure
from hub.testing.server import free_port
from tests.plugins import run_hub
from tests.wait import until

DB_PASSWORD = "pg-Pa55word-42"


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path, busy_port: int) -> None:
    (tmp_path / "config.yaml").write_text(
        f"database: sqlite:///{tmp_path}/hub.db\nserver:\n  port: {busy_port}\n")

    result = run_hub("serve", "-c", "config.yaml", cwd=tmp_path)

    assert result.returncode == 2
    assert _lines(result.stderr) == [f"port {busy_port} is in use (try --port or server.port)"]
    assert "serving" not in result.stdout
    assert not (tmp_path / "hub.db").exists()  # nothing was touched before the port was had


def test_a_host_not_on_this_machine_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_hub("serve", "--host", "host.invalid", "--port", str(free_port()),
                     cwd=tmp_path)

    assert result.returncode == 2
    assert _lines(result.stderr)[-1] == (
        "host.invalid is not an address of this machine (try --host or server.host: 127.0.0.1 "
        "for this machine only, 0.0.0.0 for every interface)")


@pytest.mark.parametrize("command", [["serve"], ["token", "list"], ["db", "current"]])
def test_an_unreachable_database_is_one_line_naming_the_host(
        tmp_path: Path, command: list[str]) -> None:
    port = free_port()  # nobody listens there
    (tmp_path / "config.yaml").write_text(
        f"database: postgresql://hub:{DB_PASSWORD}@127.0.0.1:{port}/hub\n"
        f"server:\n  port: {free_port()}\n")

    result = run_hub(*command, "-c", "config.yaml", cwd=tmp_path)

    assert result.returncode == 1
    assert _lines(result.stderr) == [
        f"database postgresql://hub:***@127.0.0.1:{port}/hub can't be used: connection to server "
        f'at "127.0.0.1", port {port} failed: Connection refused (check database.url)']
    assert DB_PASSWORD not in result.stdout + result.stderr


def test_an_unknown_database_host_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("database: postgresql://hub@db.invalid/hub\n")

    result = run_hub("serve", "-c", "config.yaml", "--port", str(free_port()), cwd=tmp_path)

    assert result.returncode == 1
    [line] = _lines(result.stderr)
    assert line.startswith("database postgresql://hub@db.invalid/hub can't be used: failed to "
                           "resolve host 'db.invalid'")


NO_CONFIG = "no config file ({}/config.yaml does not exist, HUB_CONFIG is not set): using the " \
            "defaults, database sqlite:///hub.db and no connectors (start from " \
            "config.example.yaml, or name a file with -c)"


def test_check_and_serve_agree_on_what_they_use_without_a_config(tmp_path: Path) -> None:
    check = run_hub("check", cwd=tmp_path)

    assert check.returncode == 0, check.stderr
    assert _lines(check.stderr) == [NO_CONFIG.format(tmp_path)]
    assert "sqlite:///hub.db: no file yet" in check.stdout
    assert not (tmp_path / "hub.db").exists()  # a check writes nothing

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "HUB_CONFIG"}
    server = subprocess.Popen([sys.executable, "-m", "hub", "serve", "--port", str(port)],
                              cwd=tmp_path, env={**env, "COLUMNS": "200"}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        until(lambda: _ready(port) or server.poll() is not None, "the server to answer", 30)
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGINT)
        stdout, stderr = server.communicate(timeout=15)
    assert NO_CONFIG.format(tmp_path) in stderr
    assert (f"hub serving on http://127.0.0.1:{port} (docs at /docs); config none (the "
            "defaults), database sqlite:///hub.db, connectors: none") in stdout
    assert (tmp_path / "hub.db").exists()


def test_a_named_config_that_is_missing_is_an_error(tmp_path: Path) -> None:
    result = run_hub("serve", "-c", "nope.yaml", cwd=tmp_path)

    assert result.returncode == 2
    assert _lines(result.stderr) == ["nope.yaml: file not found"]


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_an_unknown_tool_host_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        f"database: sqlite:///{tmp_path}/hub.db\nconnectors:\n  rd-jira:\n    kind: jira\n"
        "    base_url: https://acme.atlassian.invalid\n    email: hub@acme.example\n"
        "    api_token: t0ken\n    jql: project = RD\n")

    result = run_hub("check", "-c", "config.yaml", cwd=tmp_path)

    assert result.returncode == 1
    assert ("jira: cannot resolve host acme.atlassian.invalid (DNS): check the connector's "
            "base_url and this machine's DNS") in result.stdout


def test_version() -> None:
    result = run_hub("--version")

    assert result.returncode == 0
    assert result.stdout.startswith("hub 0.")


def test_the_scheduler_does_not_narrate_each_run() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure("info")
        assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
        assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.WARNING)
        assert logging.getLogger("hub").isEnabledFor(logging.INFO)
        configure("debug")
        assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
