"""What the browser tests share: Debian's Chromium (skipped without it, except in CI, where
`.ci/run` installs it), Playwright's sync API, where screenshots go, and how long to wait.

Importing this module from a test module skips that module when Chromium is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium"))
SHOTS = Path(os.environ.get("HUB_SCREENSHOTS", Path(__file__).parents[2] / ".screenshots"))
WAIT_MS = 10_000

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: CI installs it (apt-get install -y chromium)",
                    pytrace=False)
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)",
                allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@contextmanager
def chromium() -> Iterator[Any]:
    """Chromium, headless, until the block ends."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--disable-gpu", "--disable-dev-shm-usage"])
        yield browser
        browser.close()
