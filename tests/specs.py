"""Where the tools' official API descriptions are: `shared/specs/` beside the checkout (or
above a worktree), or `HUB_SPECS_DIR`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def spec_file(name: str) -> Path:
    """The path of one description; the test is skipped, saying where it looked, without it."""
    places = [Path(os.environ["HUB_SPECS_DIR"])] if "HUB_SPECS_DIR" in os.environ else []
    places += [parent / "shared" / "specs" for parent in ROOT.parents]
    for place in places:
        if (place / name).exists():
            return place / name
    pytest.skip(f"{name} not found in {', '.join(map(str, places[:3]))} (set HUB_SPECS_DIR)")
