"""`hub db ...`: apply and inspect schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import ConfigOption, database_errors, load, out
from hub.store import migrate
from hub.store.db import make_engine

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(config: ConfigOption = None,
            revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    loaded = load(config)
    engine = make_engine(loaded.config.database.url.get_secret_value())
    with database_errors(loaded.config.database):
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
    out.print(f"{loaded.config.database.display_url}: {before or 'empty'} -> {after}")


@app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="target revision, or base")],
              config: ConfigOption = None) -> None:
    """Revert migrations down to REVISION (`base` drops every hub table)."""
    loaded = load(config)
    engine = make_engine(loaded.config.database.url.get_secret_value())
    with database_errors(loaded.config.database):
        migrate.downgrade(engine, revision)
        now = migrate.current_revision(engine)
    out.print(f"{loaded.config.database.display_url}: now at {now or 'base'}")


@app.command()
def current(config: ConfigOption = None) -> None:
    """Show the schema revision of the database and of the code."""
    loaded = load(config)
    engine = make_engine(loaded.config.database.url.get_secret_value())
    with database_errors(loaded.config.database):
        current = migrate.current_revision(engine)
    out.print(f"database: {current or 'empty'}, code: {migrate.head_revision(engine)}")
