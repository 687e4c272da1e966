"""An outside plugin, made by `hub connector new helpdesk` (kept in tests/data/plugins), is at
home without a change to the hub: installed as pip would, `hub check` finds it and the mapping
it ships, `hub sandbox helpdesk` serves its sandbox, `hub config schema` includes its settings,
and it passes its own conformance tests as generated. Nothing in hub/ names it."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

import hub
from hub.scaffold import Names, render
from hub.testing.server import free_port, serve
from tests.plugins import DATA, run_hub

PLUGIN = DATA / "hub-helpdesk"


def _install(site: Path) -> Path:
    """The generated package and its entry points, as pip installs them."""
    shutil.copytree(PLUGIN / "hub_helpdesk", site / "hub_helpdesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]
    info = site / "hub_helpdesk-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hub-helpdesk\nVersion: 0.1.0\n")
    groups = project["entry-points"]
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
        for group, points in groups.items()))
    return site


def test_the_kept_plugin_is_what_the_scaffold_makes_today() -> None:
    made = render(Names("helpdesk"))
    kept = {str(p.relative_to(PLUGIN)): p.read_text() for p in PLUGIN.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    assert kept == made, "regenerate it: hub connector new helpdesk --directory " + str(PLUGIN)


def test_hub_check_finds_the_plugin_and_its_mapping(tmp_path: Path) -> None:
    site = _install(tmp_path / "site")
    sys.path.insert(0, str(site))
    try:
        from hub_helpdesk.sandbox import HelpdeskSandbox
    finally:
        sys.path.remove(str(site))
    sandbox = HelpdeskSandbox(token="desk-token")
    sandbox.create_ticket("Printer on fire")
    with serve(sandbox.app) as running:
        (tmp_path / "config.yaml").write_text(
            f"database: {{url: 'sqlite:///{tmp_path}/hub.db'}}\n"
            "connectors:\n  support:\n    kind: helpdesk\n"
            f"    base_url: {running.url}\n    token: desk-token\n")
        check = run_hub("check", "--config", "config.yaml", cwd=tmp_path, site=site)
        schema = run_hub("config", "schema", site=site)
        mapped = run_hub("mapping", "try", "support", str(_ticket(tmp_path)), "--config",
                         "config.yaml", cwd=tmp_path, site=site)

    assert check.returncode == 0, check.stdout + check.stderr
    assert "support" in check.stdout
    assert "Integration Hub (hub@example.com)" in check.stdout
    kinds = json.dumps(json.loads(schema.stdout)["$defs"])
    assert '"const": "helpdesk"' in kinds
    assert mapped.returncode == 0, mapped.stdout + mapped.stderr
    assert "in_progress" in mapped.stdout  # the plugin's own mapping, shipped beside it


def _ticket(tmp_path: Path) -> Path:
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps({"id": "7", "title": "Badge reader", "status": "in_progress",
                                "assignee": {"email": "Ana@Acme.example"}}))
    return path


def test_hub_sandbox_serves_the_plugins_sandbox(tmp_path: Path) -> None:
    site = _install(tmp_path / "site")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hub", "sandbox", "helpdesk", "--port", str(port),
         "--seed-tickets", "5"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**_env(site)})
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/tickets",
                                   headers={"Authorization": "Bearer helpdesk-token"},
                                   timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)  # polling a subprocess's socket: no event to wait on
        assert answer is not None, "the sandbox did not answer"
        assert len(answer.json()["tickets"]) == 5
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)
    assert "Helpdesk sandbox on http://127.0.0.1" in output


def test_the_plugin_passes_its_own_tests_as_generated(tmp_path: Path) -> None:
    shutil.copytree(PLUGIN, tmp_path / "hub-helpdesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests"], cwd=tmp_path / "hub-helpdesk", capture_output=True,
                            text=True, env=_env(tmp_path / "hub-helpdesk"), timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    # the whole conformance suite ran, not a collection of nothing
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None, result.stdout[-3000:]
    assert int(passed.group(1)) >= 12, result.stdout[-3000:]


def test_nothing_in_the_hub_names_the_plugin() -> None:
    root = Path(hub.__file__).parent
    named = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
             and p.suffix in (".py", ".yaml", ".tmpl") and "helpdesk" in p.read_text("utf-8")]
    assert named == []


def _env(path: Path) -> dict[str, str]:
    import os

    env = {**os.environ}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(path), env.get("PYTHONPATH", "")) if p)
    env.pop("HUB_CONFIG", None)
    return env


@pytest.fixture(autouse=True)
def _forget_the_plugin() -> None:
    sys.modules.pop("hub_helpdesk.sandbox", None)
    sys.modules.pop("hub_helpdesk", None)


def test_new_refuses_a_bad_name_and_an_existing_directory(tmp_path: Path) -> None:
    bad = run_hub("connector", "new", "Help-Desk", cwd=tmp_path)
    (tmp_path / "hub-desk").mkdir()
    taken = run_hub("connector", "new", "desk", cwd=tmp_path)

    assert bad.returncode == taken.returncode == 2
    assert '"Help-Desk" is not a connector kind' in bad.stderr
    assert "hub-desk already exists" in taken.stderr
