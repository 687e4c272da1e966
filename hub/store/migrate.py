"""Alembic driven from code: `hub db upgrade` and `hub serve` call these; no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import hub.migrations

MIGRATIONS_DIR = Path(hub.migrations.__file__).parent


def alembic_config(engine: Engine) -> Config:
    """An alembic config that runs on the given engine's connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to `revision` (`base` removes every table)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def schema_behind(engine: Engine) -> str | None:
    """Why this code can't run on the database's schema, or None. A schema newer than the code
    (a revision it doesn't know: the next release upgraded it) is fine, since migrations only
    add within a release: the code of the release before keeps running during a rollout."""
    current, head = current_revision(engine), head_revision(engine)
    if current == head:
        return None
    if current is None:
        return f"database schema at nothing, code needs {head}: run `hub db upgrade`"
    try:
        ScriptDirectory.from_config(alembic_config(engine)).get_revision(current)
    except Exception:  # alembic's CommandError/ResolutionError: a revision of a newer release
        return None
    return f"database schema at {current}, code needs {head}: run `hub db upgrade`"
