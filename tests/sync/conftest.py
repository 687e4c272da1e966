from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.sync.harness import Hub

MIRROR_ALL = {"entities": {"task": {"mirror": [
    {"from": "a", "to": "b"}, {"from": "a", "to": "c"},
    {"from": "b", "to": "a"}, {"from": "c", "to": "a"},
]}}}


@pytest.fixture
def hub(engine: Engine) -> Hub:
    """Three fake tools; every task in one is mirrored to the others."""
    return Hub(engine, ["a", "b", "c"], MIRROR_ALL)
