"""Install test connector plugins the way pip would: a module plus a dist-info with entry points."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data" / "plugins"


def install_plugin(site: Path, dist: str, module: str | None,
                   entry_points: dict[str, str], *, sandboxes: dict[str, str] | None = None,
                   data: bool = True) -> Path:
    """Put `tests/data/plugins/<module>` (a package directory, or a `.py` file with its `.yaml`
    beside it unless `data` is off) and distribution metadata into `site`."""
    site.mkdir(parents=True, exist_ok=True)
    if module and (DATA / module).is_dir():
        shutil.copytree(DATA / module, site / module, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    elif module:
        shutil.copy(DATA / f"{module}.py", site / f"{module}.py")
        if data and (DATA / f"{module}.yaml").exists():
            shutil.copy(DATA / f"{module}.yaml", site / f"{module}.yaml")
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    text = "[hub.connectors]\n" + "".join(f"{n} = {t}\n" for n, t in entry_points.items())
    if sandboxes:
        text += "[hub.sandboxes]\n" + "".join(f"{n} = {t}\n" for n, t in sandboxes.items())
    (info / "entry_points.txt").write_text(text)
    return site


def fake_site(site: Path) -> Path:
    """A site where the test kit's fake connector is installed as kind `fake`."""
    return install_plugin(site, "hub_fake", None, {"fake": "hub.testing.fake:FakeConnector"})


def run_hub(*args: str, site: Path | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the `hub` command in a subprocess, with `site` on the import path."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop("HUB_CONFIG", None)
    if site is not None:
        full_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(site), full_env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout, check=False)
