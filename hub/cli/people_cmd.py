"""`hub people unresolved`: the people the hub met in the tools (assignees, users) under an
e-mail or id no HR record has, as `hub check` shows problems: one row each, read-only."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from hub.cli.common import ConfigOption, JsonOption, err, load, out
from hub.model.enums import Entity
from hub.query.people import unresolved_people
from hub.store.db import make_engine, make_sessionmaker

app = typer.Typer(help="People across the tools.", no_args_is_help=True)


@app.command()
def unresolved(
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """List people no HR record has (met as a Jira or Asana assignee, a spreadsheet owner):
    fix their e-mail in the tool or HR, or add an alias under sync.aliases."""
    loaded = load(config)
    hr = sorted(cid for cid, c in loaded.config.connectors.items()
                if c.enabled and type(c).authority.get(Entity.person.value))
    engine = make_engine(loaded.config.database.url.get_secret_value())
    try:
        with make_sessionmaker(engine)() as session:
            found = unresolved_people(session, hr)
    except SQLAlchemyError as exc:
        err.print(f"cannot read the database {loaded.config.database.display_url}: "
                  f"{type(exc).__name__} (has `hub serve` or `hub db upgrade` run?)",
                  markup=False)
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
    if as_json:
        out.print(json.dumps({"hr_connectors": hr, "items": [u.as_json() for u in found]},
                             indent=2), markup=False)
        return
    if not found:
        out.print(f"every person is resolved to an HR record ({', '.join(hr)})" if hr else
                  "no people yet")
        return
    table = Table(title=f"unresolved people: {len(found)} "
                        f"(HR: {', '.join(hr) or 'no HR connector configured'})")
    for column in ("person", "name", "e-mails", "known in", "open tasks", "why"):
        table.add_column(column)
    for person in found:
        known = ", ".join(f"{k['connector']}:{k['remote_id']}" for k in person.known_in) or \
            "assignee only"
        table.add_row(person.id, person.display_name, ", ".join(person.emails) or "-", known,
                      str(person.open_tasks), person.reason)
    out.print(table)
