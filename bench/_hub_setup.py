"""What the scale-out benchmark's parts share: sandboxes in processes of their own (a real tool is
on another machine: its work must not take the hub's CPU), and a hub configured on them."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
HUB = str(ROOT / ".venv" / "bin" / "hub")
PG_URL = os.environ.get("HUB_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def sandbox(kind: str, *args: str) -> Iterator[str]:
    """`hub sandbox KIND` in a process of its own; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([HUB, "sandbox", kind, "--port", str(port), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/_sandbox/faults", timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"the {kind} sandbox did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def set_latency(url: str, ms: float) -> None:
    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": ms}, timeout=5).raise_for_status()


def jira_connector(url: str, concurrency: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "jira", "base_url": url, "email": "hub@example.com",
            "api_token": "jira-token", "jql": "", "concurrency": concurrency,
            "poll": {"every": "1h", "overlap": "0s"}, **extra}


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh schema in the test database; yields a URL whose search_path is it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def python() -> str:
    return sys.executable


def dispose(engine: Engine) -> None:
    engine.dispose()


def write_config(path: Path, database_url: str, connectors: dict[str, Any],
                 **sections: Any) -> Path:
    """A config.yaml for the hub under measurement."""
    import yaml

    body = {"database": {"url": database_url}, "logging": {"level": "warning"},
            "connectors": connectors, **sections}
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def load(path: Path) -> Any:
    """The validated config of `path` and the installed connector kinds."""
    from hub.config.loader import load_config
    from hub.sdk.registry import discover

    registry = discover()
    return load_config(path, registry.config_models()), registry
