"""`hub token ...`: create, list and revoke API tokens. A secret is printed once, at creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from hub.auth.tokens import TokenError, create_token, list_tokens, revoke_token, state
from hub.cli.common import ConfigOption, err, load, open_database, out
from hub.config.types import parse_duration
from hub.store.auth import Role
from hub.store.db import make_sessionmaker

app = typer.Typer(help="API tokens: who may call the unified API.", no_args_is_help=True)


def _expiry(text: str) -> timedelta | None:
    if text.strip().lower() == "never":
        return None
    try:
        return parse_duration(text)
    except (ValueError, ValidationError) as exc:
        raise typer.BadParameter(f"{text!r} is not a duration (try 90d, 12h, 1w or never)") \
            from exc


@app.command()
def create(
    role: Annotated[Role, typer.Option(help="what the token may do")],
    department: Annotated[str | None, typer.Option(help="the department of a department "
                                                        "token")] = None,
    partner: Annotated[str | None, typer.Option(help="the partner of a partner token")] = None,
    projects: Annotated[str | None, typer.Option(help="project keys shared with a partner, "
                                                      "comma-separated")] = None,
    expires: Annotated[str, typer.Option(help="lifetime, e.g. 90d, 12h, or never")] = "90d",
    name: Annotated[str | None, typer.Option(help="how changes made with it are recorded "
                                                  "(api:<name>)")] = None,
    config: ConfigOption = None,
) -> None:
    """Create a token and print its secret (shown only this once)."""
    lifetime = _expiry(expires)
    keys = [k.strip() for k in (projects or "").split(",") if k.strip()]
    engine = open_database(load(config).config)
    try:
        with make_sessionmaker(engine).begin() as session:
            new = create_token(session, role, datetime.now(UTC), name=name,
                               department=department, partner=partner, projects=keys,
                               expires_in=lifetime)
            token = new.token
    except TokenError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
    until = token.expires_at.isoformat() if token.expires_at else "never"
    out.print(f"token {token.id} ({token.name}, role {token.role.value}) expires {until}",
              markup=False)
    out.print("secret (shown once; send it as `Authorization: Bearer <secret>`):", markup=False)
    # Printed raw: the console's redactor never saw this secret, and it must be copyable.
    typer.echo(new.secret)


@app.command("list")
def list_(config: ConfigOption = None) -> None:
    """List tokens (never their secrets)."""
    engine = open_database(load(config).config)
    now = datetime.now(UTC)
    try:
        with make_sessionmaker(engine)() as session:
            tokens = list_tokens(session)
    finally:
        engine.dispose()
    table = Table("id", "name", "role", "scope", "starts with", "created", "expires",
                  "last used", "state")
    for t in tokens:
        scope = t.department or (f"{t.partner}: {', '.join(t.projects)}" if t.partner else "all")
        table.add_row(t.id, t.name, t.role.value, scope, t.hint + "…", _day(t.created_at),
                      _day(t.expires_at) or "never", _day(t.last_used_at) or "-",
                      state(t, now))
    out.print(table)


@app.command()
def revoke(token_id: Annotated[str, typer.Argument(help="token id from `hub token list`")],
           config: ConfigOption = None) -> None:
    """Revoke a token: requests with it are refused from now on."""
    engine = open_database(load(config).config)
    try:
        with make_sessionmaker(engine).begin() as session:
            token = revoke_token(session, token_id, datetime.now(UTC))
            name = token.name
    except TokenError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    out.print(f"token {token_id} ({name}) revoked", markup=False)


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
