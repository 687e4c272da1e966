"""`hub sandbox jira` serves the Jira sandbox (here over TLS) until Ctrl-C, after printing
where it listens and the sandbox's test credentials."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.testing.server import client_context, free_port


def test_sandbox_jira_serves_until_interrupted(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "hub", "sandbox", "jira", "--port", str(port),
               "--seed-issues", "30", "--tls", "--cert-dir", str(tmp_path)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline, me = time.monotonic() + 30, None
        while time.monotonic() < deadline and server.poll() is None:
            if (tmp_path / "sandbox.crt").exists():
                try:
                    me = httpx.get(f"https://127.0.0.1:{port}/rest/api/3/myself",
                                   auth=("hub@example.com", "jira-token"), timeout=1,
                                   verify=client_context(tmp_path / "sandbox.crt"))
                    break
                except httpx.TransportError:
                    pass
            time.sleep(0.05)  # polling a subprocess's socket: no event to wait on
        assert me is not None, "the sandbox did not answer"
        assert me.json()["emailAddress"] == "hub@example.com"
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)
    assert server.returncode == 0, output
    assert f"https://127.0.0.1:{port}" in output
    assert "jira-token" in output
    assert "30 issues" in output
