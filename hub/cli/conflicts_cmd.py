"""`hub conflicts`: the conflicts waiting for a person, and resolving one, without curl. The
same queries and rules as `/api/v1/conflicts`; the console's user acts as an admin and is
recorded as `cli:<user>`."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

from hub.api.editing import resolve
from hub.api.problems import ProblemError
from hub.cli.common import (
    ConfigOption,
    JsonOption,
    database_errors,
    err,
    load,
    open_database,
    operator,
    out,
    print_json,
    show_items,
)
from hub.model.enums import Entity
from hub.query.conflicts import find_conflict, list_conflicts, render
from hub.query.labels import item_labels
from hub.query.pagination import BadQuery
from hub.store.db import make_sessionmaker
from hub.store.sync import ConflictState
from hub.sync.runtime import Runtime

app = typer.Typer(help="Conflicts: two tools changed one field at once, and a person decides.",
                  no_args_is_help=False, invoke_without_command=True)


StateOption = Annotated[ConflictState | None, typer.Option(
    help="open (waiting for a person) or resolved; default: open")]
AllOption = Annotated[bool, typer.Option("--all", help="open and resolved ones")]
EntityOption = Annotated[Entity | None, typer.Option(help="only this kind of record")]
LimitOption = Annotated[int, typer.Option(min=1, max=500)]


@app.callback()
def _conflicts(ctx: typer.Context, state: StateOption = None, every: AllOption = False,
               entity: EntityOption = None, limit: LimitOption = 50, as_json: JsonOption = False,
               config: ConfigOption = None) -> None:
    """`hub conflicts` alone lists the open ones (options as `hub conflicts list`)."""
    if ctx.invoked_subcommand is None:
        list_(state, every, entity, limit, as_json, config)


@app.command("list")
def list_(state: StateOption = None, every: AllOption = False, entity: EntityOption = None,
          limit: LimitOption = 50, as_json: JsonOption = False,
          config: ConfigOption = None) -> None:
    """List conflicts, newest first (open ones unless --state or --all)."""
    loaded = load(config)
    engine = open_database(loaded.config)
    wanted = None if every else (state or ConflictState.open)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine)() as session:
            page = list_conflicts(session, operator(), state=wanted, entity=entity,
                                  record=None, limit=limit, cursor=None, sort=None)
            labels = item_labels(session, page.items)
    except BadQuery as exc:
        err.print(f"{exc.param}: {exc.message}", markup=False)
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
    what = f"{wanted.value} conflicts" if wanted else "conflicts"
    show_items([{**c, "record": labels.get(c["record_id"])} for c in page.items],
               as_json=as_json, empty=f"no {what}",
               title=f"{len(page.items)}{'+' if page.next_cursor else ''} {what}",
               columns=("id", "record", "field", "values", "state", "since"),
               row=lambda c: (c["id"], f"{c['entity']} {c['record'] or c['record_id']}",
                              c["field"], _sides(c), _state(c),
                              c["created_at"][:16].replace("T", " ")),
               hint="resolve one: hub conflicts resolve ID --side <source> (or --value JSON)")


@app.command()
def show(conflict_id: Annotated[str, typer.Argument(help="conflict id")],
         as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Both values, which tool or person set each, and when."""
    loaded = load(config)
    engine = open_database(loaded.config)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine)() as session:
            principal = operator()
            shown = render(session, principal,
                           [find_conflict(session, principal, conflict_id)])[0]
            label = item_labels(session, [shown]).get(shown["record_id"])
    except BadQuery as exc:
        err.print(exc.message, markup=False)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    if as_json:
        print_json({**shown, "record": label})
        return
    out.print(f"conflict {shown['id']}: {shown['entity']} {label} ({shown['record_id']}), "
              f"field {shown['field']}, policy {shown['policy']}, {_state(shown)}", markup=False)
    out.print(f"  before both changes: {_json(shown['base'])}", markup=False)
    for c in shown["candidates"]:
        out.print(f"  {c['source']}: {_json(c['value'])} (at {c['at'] or 'unknown'})",
                  markup=False)
    if shown["state"] == "open":
        out.print(f"resolve it: hub conflicts resolve {shown['id']} --side "
                  f"{shown['candidates'][0]['source']}", markup=False)


@app.command("resolve")
def resolve_(
    conflict_id: Annotated[str, typer.Argument(help="conflict id")],
    side: Annotated[str | None, typer.Option(
        help="keep this source's value (a connector id, or api:<token name>)")] = None,
    value: Annotated[str | None, typer.Option(
        help='keep this value instead, as JSON (e.g. \'"Launch plan v2"\' or 3)')] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Resolve a conflict: the kept value becomes the truth and goes to every tool (a running
    `hub serve` pushes it within seconds)."""
    chosen: Any = None
    if value is not None:
        try:
            chosen = json.loads(value)
        except json.JSONDecodeError:
            chosen = value  # a bare word is meant as text
    loaded = load(config)
    engine = open_database(loaded.config)

    rt = Runtime(loaded.config, loaded.registry, engine)
    try:
        with database_errors(loaded.config.database), rt.sessions() as session:
            resolved = resolve(session, rt, operator(), conflict_id, chosen, side,
                               value is not None)
    except ProblemError as exc:
        err.print(exc.detail, markup=False)
        raise typer.Exit(code=1 if exc.status in (404, 409) else 2) from None
    finally:
        asyncio.run(rt.aclose())
        engine.dispose()
    if as_json:
        print_json(resolved)
        return
    out.print(f"resolved: {resolved['field']} = {_json(resolved['resolved_value'])}, by "
              f"{resolved['resolved_by']}; every tool holding the {resolved['entity']} gets it "
              "with the next push", markup=False)


def _sides(conflict: dict[str, Any]) -> str:
    return "\n".join(f"{c['source']}: {_json(c['value'])}" for c in conflict["candidates"])


def _state(conflict: dict[str, Any]) -> str:
    if conflict["state"] == "open":
        return "open"
    return f"resolved by {conflict['resolved_by']}: {_json(conflict['resolved_value'])}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
