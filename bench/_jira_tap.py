"""tap-jira (the Singer tap on PyPI) for bench/jira_backfill.py: its own virtual environment,
trust in the sandbox's certificate, its config and a catalog with the `issues` stream selected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TAP_VERSION = "2.6.0"
#: tap-jira reads everything updated since this date (the hub reads the same scope)
START_DATE = "2000-01-01T00:00:00Z"


def ensure_venv(venv: Path) -> Path:
    """The tap's executable, installing tap-jira into `venv` first if it is not there."""
    tap = venv / "bin" / "tap-jira"
    if tap.exists():
        return tap
    print(f"installing tap-jira {TAP_VERSION} into {venv} ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                    f"tap-jira=={TAP_VERSION}"], check=True)
    return tap


def trust(venv: Path, certfile: Path) -> None:
    """Make the tap trust the sandbox's self-signed certificate.

    tap-jira sends prepared requests with `Session.send`, which skips requests' environment
    merge: REQUESTS_CA_BUNDLE and SSL_CERT_FILE are never read and only certifi's bundle is
    trusted. So the bundle of the tap's own venv becomes the pristine one plus the certificate.
    """
    found = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import certifi; print(certifi.where())"],
                           capture_output=True, text=True, check=True)
    bundle = Path(found.stdout.strip())
    pristine = bundle.with_name(bundle.name + ".pristine")
    if not pristine.exists():
        pristine.write_bytes(bundle.read_bytes())
    bundle.write_bytes(pristine.read_bytes() + b"\n" + certfile.read_bytes())


def write_config(workdir: Path, base_url: str, email: str, token: str) -> Path:
    """The tap's config.json (Basic auth: username = e-mail, password = API token)."""
    path = workdir / "tap-config.json"
    path.write_text(json.dumps({"start_date": START_DATE, "username": email, "password": token,
                                "base_url": base_url, "user_agent": "hub-bench",
                                "request_timeout": 60}))
    return path


def write_catalog(tap: Path, config: Path, workdir: Path) -> Path:
    """Discover, then select the `issues` stream with all its properties (as `select: ['*']`
    in Meltano would); every other stream stays unselected."""
    found = subprocess.run([str(tap), "-c", str(config), "--discover"],
                           capture_output=True, text=True, check=False)
    if found.returncode != 0:
        raise SystemExit(f"tap-jira discovery failed:\n{found.stderr[-3000:]}")
    catalog = json.loads(found.stdout)
    for stream in catalog["streams"]:
        if stream["tap_stream_id"] == "issues":
            for entry in stream["metadata"]:
                entry["metadata"]["selected"] = True
    path = workdir / "tap-catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def count_records(output: Path, stream: str = "issues") -> int:
    """RECORD messages of `stream` in the tap's output (Singer messages, one JSON per line)."""
    prefix = f'{{"type": "RECORD", "stream": "{stream}"'.encode()
    with output.open("rb") as lines:
        return sum(1 for line in lines if line.startswith(prefix))
