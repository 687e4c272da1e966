"""Test fixtures: a clean database per test, on SQLite or PostgreSQL.

`HUB_TEST_BACKEND=postgres` runs the database tests on PostgreSQL (`HUB_TEST_DATABASE_URL`,
default the local server); each test gets its own schema, dropped afterwards. Under `CI=true`
an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

# pytest-xdist's workers start with COLUMNS=80, and a rich console made at import would keep that
# width for good; tests that need a width give it to the command they run.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from hub.redact import REDACTOR
from hub.store.db import make_engine
from hub.store.tables import metadata

BACKEND = os.environ.get("HUB_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("HUB_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_FIXTURES = {"database_url", "empty_engine", "engine"}


def pytest_report_header() -> str:
    return f"hub database backend: {BACKEND}" + (f" ({PG_URL})" if BACKEND == "postgres" else "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    REDACTOR.clear()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that run `hub` commands in-process: a command points the root logger at its
    own stderr; later tests need theirs back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def _postgres_admin() -> Iterator[Engine]:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        message = f"PostgreSQL at {PG_URL} is unreachable: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that only this test uses."""
    if BACKEND != "postgres":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    admin: Engine = request.getfixturevalue("_postgres_admin")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's empty database (no tables)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on the test's database with every hub table created."""
    metadata.create_all(empty_engine)
    return empty_engine
