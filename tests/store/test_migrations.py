"""Migrations create exactly the schema the models describe, and go back down cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from hub.store import migrate
from hub.store.queue import PREFIX, outside_models
from hub.store.tables import metadata


def _tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names()
            if name != "alembic_version" and not name.startswith(PREFIX)}


def _queue_tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if name.startswith(PREFIX)}


def test_upgrade_creates_every_table_and_matches_the_models(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    assert _tables(empty_engine) == set(metadata.tables)
    if empty_engine.dialect.name == "postgresql":  # the job queue of the scaled-out mode
        assert {"procrastinate_jobs", "procrastinate_workers"} <= _queue_tables(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": outside_models})
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(
        empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")

    assert _tables(empty_engine) == set()
    assert _queue_tables(empty_engine) == set()
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == set(metadata.tables)
