"""Substring search on titles (`?q=`) without a full scan, on PostgreSQL: a trigram GIN index
on `lower(title)` serves `lower(title) LIKE '%text%'` as the API writes it.

pg_trgm ships with PostgreSQL but creating it may need rights the hub's role lacks; then the
index is skipped with a notice and search still works, scanning. SQLite always scans.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, event

from hub.store.base import Base
from hub.store.canonical import Project, Task

#: (index name, table, column) searched with `?q=`
TRIGRAM_INDEXES = (("ix_task_title_trgm", "task", "title"),
                   ("ix_project_name_trgm", "project", "name"))

ENABLE = """
DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
  RAISE NOTICE 'pg_trgm is not available: text search on titles scans';
WHEN unique_violation THEN
  NULL;  -- another process created it at the same moment (IF NOT EXISTS is not atomic)
END $$
"""


_CREATE_INDEX = """
DO $$ DECLARE where_ops text; BEGIN
  SELECT n.nspname INTO where_ops FROM pg_opclass c JOIN pg_namespace n
    ON n.oid = c.opcnamespace WHERE c.opcname = 'gin_trgm_ops' LIMIT 1;
  IF where_ops IS NOT NULL THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS <name> ON <table> '
                   'USING gin (lower(<column>) %I.gin_trgm_ops)', where_ops);
  END IF;
END $$
"""


def create_index(name: str, table: str, column: str) -> str:
    """The statement creating one trigram index, if pg_trgm is there (in whichever schema).
    The names are this module's own (TRIGRAM_INDEXES), never input."""
    return (_CREATE_INDEX.replace("<name>", name).replace("<table>", table)
            .replace("<column>", column))


def managed_outside_models(obj: Any, name: str | None, type_: str, reflected: bool,
                           compare_to: Any) -> bool:
    """For alembic's `include_object`: False for the trigram indexes, which the models don't
    declare (they exist only where pg_trgm does)."""
    return not (type_ == "index" and name in {n for n, _t, _c in TRIGRAM_INDEXES})


def _install() -> None:
    """Create the indexes with the tables (`metadata.create_all`), as migration 0004 does."""
    # DDL strings are %-formatted by SQLAlchemy: the statements' own % are doubled.
    event.listen(Base.metadata, "before_create",
                 DDL(ENABLE).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]
    tables: dict[str, Any] = {"task": Task.__table__, "project": Project.__table__}
    for name, table, column in TRIGRAM_INDEXES:
        statement = create_index(name, table, column).replace("%", "%%")
        event.listen(tables[table], "after_create",
                     DDL(statement).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]


_install()
