"""The job queue's tables, on PostgreSQL only: procrastinate's own schema (its jobs, events,
workers and periodic defers, installed by migration 0006), and `job_run`, the hub's record of
each job a worker ran: which process, from when to when, and how it ended.

procrastinate's schema is the one of the installed version (pinned in pyproject.toml): a
later version's own migrations come into the hub as alembic migrations of their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from procrastinate.schema import SchemaManager
from sqlalchemy import BigInteger, Connection, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.search import managed_outside_models

AutoId = BigInteger().with_variant(Integer(), "sqlite")
PREFIX = "procrastinate_"


class JobRun(Base):
    """One run of one job by a worker process. A run cut short by a dead process keeps
    `finished_at` empty until the sweep finds its worker silent (outcome `abandoned`)."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_started_at", "started_at"),
                      Index("ix_job_run_connector_id_kind", "connector_id", "kind"))

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    connector_id: Mapped[str] = mapped_column(String(64))
    lane: Mapped[int] = mapped_column(default=0)
    lock: Mapped[str] = mapped_column(String(200))
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate_jobs.id
    worker: Mapped[str] = mapped_column(String(200))  # host:pid
    queued_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(16))  # succeeded, failed, abandoned
    error: Mapped[str | None] = mapped_column(Text)


def install_schema(conn: Connection) -> None:
    """Create procrastinate's tables, types and functions in the current schema, unless they
    are there already."""
    if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
        return
    _script(conn, SchemaManager.get_schema())


def _script(conn: Connection, sql: str) -> None:
    """Run a script of statements as it is, in the connection's transaction (no parameters:
    its `%` are not placeholders)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


DROP_SCHEMA = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
    procrastinate_jobs, procrastinate_workers CASCADE;
DO $$ DECLARE f regprocedure; BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP
    EXECUTE 'DROP FUNCTION ' || f || ' CASCADE';
  END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_status,
    procrastinate_job_event_type CASCADE;
"""


def drop_schema(conn: Connection) -> None:
    """Remove procrastinate's schema (migration 0006 going down)."""
    _script(conn, DROP_SCHEMA)


def outside_models(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """For alembic's `include_object`: False for what the models don't declare (the queue's
    tables, the trigram indexes), so autogenerate leaves it alone."""
    if type_ == "table" and name and name.startswith(PREFIX):
        return False
    if type_ in ("index", "column") and getattr(getattr(obj, "table", None), "name",
                                                "").startswith(PREFIX):
        return False
    return managed_outside_models(obj, name, type_, reflected, compare_to)
