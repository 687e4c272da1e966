"""Write a mapping file into the test's directory and load it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.mapping import Mapping, load_mapping

LoadText = Callable[..., Mapping]


@pytest.fixture
def load_text(tmp_path: Path) -> LoadText:
    """Load YAML text as `mappings/fake.yaml` under the test's directory."""
    def load(text: str, overrides: dict[str, Any] | None = None) -> Mapping:
        path = tmp_path / "mappings" / "fake.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        return load_mapping(path, overrides)
    return load
