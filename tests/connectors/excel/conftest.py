"""Fixtures of the excel connector's tests: a drop folder, the sample exports, connectors on
them, and a poll helper."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.excel.config import ExcelConfig
from connectors.excel.connector import ExcelConnector
from hub.sdk.connector import PollPage, RemoteRecord

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "finance"


def drop(folder: Path, sample: str, name: str | None = None, age: float = 60.0) -> Path:
    """Copy a sample into the drop folder as a finished copy (modified `age` seconds ago)."""
    target = folder / (name or sample)
    shutil.copyfile(SAMPLES / sample, target)
    settle(target, age)
    return target


def settle(path: Path, age: float = 60.0) -> None:
    """Make `path` look written `age` seconds ago (a copy that finished)."""
    moment = time.time() - age
    os.utime(path, (moment, moment))


def excel(folder: Path, pattern: str = "*.*", preset: str = "sap_budget",
          **settings: Any) -> ExcelConnector:
    """A connector reading `pattern` in `folder` as source `budgets`."""
    source = {"path": str(folder / pattern), **settings.pop("source", {})}
    config = ExcelConfig.model_validate({"preset": preset, "sources": {"budgets": source},
                                         **settings})
    return ExcelConnector("finance", config)


async def poll(connector: ExcelConnector,
               cursor: str | None = None) -> tuple[list[PollPage], str | None]:
    """Every page of one poll and the cursor it ended at (raises what the poll raised, after
    the pages, as the engine sees it)."""
    pages: list[PollPage] = []
    async for page in connector.poll(cursor):
        pages.append(page)
        cursor = page.cursor if page.cursor is not None else cursor
    return pages, cursor


async def poll_to_error(connector: ExcelConnector, cursor: str | None
                        ) -> tuple[list[PollPage], Exception | None]:
    """The pages of one poll and the error it ended with, if any."""
    pages: list[PollPage] = []
    try:
        async for page in connector.poll(cursor):
            pages.append(page)
    except Exception as exc:
        return pages, exc
    return pages, None


def records(pages: list[PollPage]) -> list[RemoteRecord]:
    return [r for p in pages for r in p.records]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "drop"
    path.mkdir()
    return path


@pytest.fixture
def dropped(folder: Path) -> Callable[..., Path]:
    return lambda sample, name=None, age=60.0: drop(folder, sample, name, age)
