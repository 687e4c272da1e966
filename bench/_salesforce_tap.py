"""The peer of bench/salesforce_backfill.py: Singer's tap-salesforce 2.8.1 from PyPI, in its
own venv (.bench/tap-salesforce-venv, never a project dependency), reading the Opportunity
stream of the same sandbox over REST to a file (extract only).

The tap signs in with the refresh token flow at login.salesforce.com, a URL it hard-codes: a
small runner sends that one request to the sandbox instead and changes nothing else. The
sandbox's certificate is trusted through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".bench" / "tap-salesforce-venv"
TAP_VERSION = "2.8.1"
REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET = "bench-refresh", "hub-connected-app", \
    "hub-consumer-secret"
RUNNER = """\
import sys
import tap_salesforce
import tap_salesforce.salesforce as salesforce

SANDBOX = sys.argv.pop(1)
LOGIN = "https://login.salesforce.com"
original = salesforce.Salesforce._make_request


def make_request(self, method, url, *args, **kwargs):
    if url.startswith(LOGIN):  # the one hard-coded URL: the token endpoint
        url = SANDBOX + url[len(LOGIN):]
    return original(self, method, url, *args, **kwargs)


salesforce.Salesforce._make_request = make_request
sys.argv[0] = "tap-salesforce"
tap_salesforce.main()
"""


class PeerUnavailable(Exception):
    """The peer can't run here (not installable, not runnable)."""


def ensure_venv() -> Path:
    """The venv's python, the tap installed in it."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import tap_salesforce"], capture_output=True)
    if probe.returncode != 0:
        install = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q",
                                  f"tap-salesforce=={TAP_VERSION}"], capture_output=True)
        if install.returncode != 0:
            raise PeerUnavailable(f"pip install tap-salesforce=={TAP_VERSION} failed: "
                                  f"{install.stderr.decode(errors='replace')[-500:]}")
    return python


def count_records(output: Path) -> int:
    """RECORD messages in the tap's output."""
    with output.open("rb") as lines:
        return sum(1 for line in lines if line.startswith(b'{"type": "RECORD"')
                   or line.startswith(b'{"type":"RECORD"'))


def run(workdir: Path, url: str, certfile: Path, sandbox_pid: int,
        measure: Callable[[list[str], int, Path], dict[str, float]]) -> dict[str, Any]:
    """Discover, select Opportunity, then one measured extract; its rate and peak RSS."""
    python = ensure_venv()
    runner = workdir / "run_tap.py"
    runner.write_text(RUNNER)
    config = workdir / "tap.json"
    config.write_text(json.dumps({
        "refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "start_date": "2000-01-01T00:00:00Z", "api_type": "REST", "is_sandbox": False,
        "select_fields_by_default": True}))
    os.environ["REQUESTS_CA_BUNDLE"] = str(certfile)
    found = subprocess.run([str(python), str(runner), url, "-c", str(config), "--discover"],
                           capture_output=True)
    if found.returncode != 0:
        raise PeerUnavailable("discovery failed: "
                              f"{found.stderr.decode(errors='replace')[-1500:]}")
    catalog = json.loads(found.stdout)
    streams = [s for s in catalog["streams"] if s["tap_stream_id"] == "Opportunity"]
    for stream in streams:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = True
    catalog_file = workdir / "catalog.json"
    catalog_file.write_text(json.dumps({"streams": streams}))
    output = workdir / "tap.out"
    result = measure([str(python), str(runner), url, "-c", str(config), "--properties",
                      str(catalog_file)], sandbox_pid, output)
    result["records"] = count_records(output)
    output.unlink()
    return result
