"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scaled out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from hub import codec


def normalise_url(url: str) -> URL:
    """Parse a database URL; plain `postgresql://` means psycopg 3, the driver the hub ships."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(url: str | URL) -> bool:
    """True for SQLite URLs."""
    return (make_url(url) if isinstance(url, str) else url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings the hub relies on.

    SQLite gets WAL (readers don't block the writer), foreign keys and a busy timeout, since
    the API, the scheduler and the workers share one file in one process.
    """
    parsed = normalise_url(url)
    kwargs.setdefault("json_serializer", codec.dumps)  # JSON columns: shadows, provenance, audit
    kwargs.setdefault("json_deserializer", codec.loads)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            # One in-memory database shared by every thread (jobs run DB work in threads).
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(parsed, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in parsed.query:
        # libpq waits for the operating system's TCP timeout (minutes) on a host that never
        # answers: a hub that can't reach its database says so within seconds instead.
        kwargs.setdefault("connect_args", {"connect_timeout": 10})
    return create_engine(parsed, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (the API returns them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Run a trivial query; raises if the database can't be reached."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
