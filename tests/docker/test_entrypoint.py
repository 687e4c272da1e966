"""The image's entrypoint (docker/entrypoint.sh) under the image's uid, without Docker: a
mounted /data the container can't write is one message with the fix, before the hub starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ENTRYPOINT = Path(__file__).parents[2] / "docker" / "entrypoint.sh"
UID = 10001  # the image's user

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run as the image's uid")


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder the image's user can reach (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="hub-entrypoint-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def _run(data: Path, place: Path, *args: str,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The entrypoint as uid 10001, with a stand-in `hub` that shows what it was given."""
    bin_dir = place / "bin"
    bin_dir.mkdir(exist_ok=True)
    stub = bin_dir / "hub"
    stub.write_text('#!/bin/sh\necho "hub $* (HUB_CONFIG=${HUB_CONFIG:-unset})"\n')
    stub.chmod(0o755)
    full = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HUB_DATA": str(data),
            "HUB_CONFIG": f"{data}/config.yaml", **(env or {})}
    return subprocess.run(["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
                           "sh", str(ENTRYPOINT), *args], env=full, capture_output=True,
                          text=True, timeout=30, check=False)


def test_a_host_folder_the_image_cannot_write_is_explained(place: Path) -> None:
    data = place / "data"
    data.mkdir(mode=0o755)  # made on the host by root (or uid 1000): not the image's user

    result = _run(data, place, "serve", "--host", "0.0.0.0")

    assert result.returncode == 2
    assert result.stdout == ""  # the hub did not start
    assert result.stderr.strip() == (
        f"hub: {data} is not writable by this container's user (uid {UID}); the folder "
        "mounted there belongs to 0:0. Either give it to the container (on the host: sudo "
        f"chown -R {UID} <folder>), or run the container as its owner (docker run --user "
        "0:0 ...)")


def test_a_writable_folder_starts_the_hub_with_its_config_or_the_defaults(
        place: Path) -> None:
    data = place / "data"
    data.mkdir()
    os.chown(data, UID, UID)

    without = _run(data, place, "serve", "--host", "0.0.0.0")
    (data / "config.yaml").write_text("server: {port: 8080}\n")
    with_config = _run(data, place, "serve", "--host", "0.0.0.0")
    version = _run(place / "nowhere", place, "--version")  # needs no /data

    assert without.returncode == 0, without.stderr
    assert without.stdout.strip() == "hub serve --host 0.0.0.0 (HUB_CONFIG=unset)"
    assert with_config.stdout.strip() == (f"hub serve --host 0.0.0.0 "
                                          f"(HUB_CONFIG={data}/config.yaml)")
    assert version.returncode == 0, version.stderr
