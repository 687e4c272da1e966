"""Alembic environment: runs on the engine `hub.store.migrate` hands over, batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from hub.store.queue import outside_models
from hub.store.tables import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: run migrations through `hub db upgrade`")
    return create_engine(url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=outside_models,  # autogenerate leaves them alone
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
