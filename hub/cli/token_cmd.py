"""`hub token ...`: create, list and revoke API tokens. A secret is printed once, at creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from hub.auth.tokens import TokenError, create_token, list_tokens, revoke_token, state
from hub.cli.common import (
    ConfigOption,
    JsonOption,
    database_errors,
    err,
    load,
    open_database,
    out,
    print_json,
)
from hub.config.types import parse_duration
from hub.store.auth import ApiToken, Role
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
def list_(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List tokens (never their secrets)."""
    loaded = load(config)
    engine = open_database(loaded.config)
    now = datetime.now(UTC)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine)() as session:
            tokens = list_tokens(session)
    finally:
        engine.dispose()
    if as_json:
        print_json({"items": [_as_json(t, now) for t in tokens]})
        return
    if not tokens:
        out.print("no tokens yet: hub token create --role admin", markup=False)
        return
    # An id is never cut, on any width: it is what `revoke` takes (or a unique start of it).
    out.print(f"API tokens: {len(tokens)} (every field: --json)", markup=False)
    for t in tokens:
        out.print(f"{t.id}  {state(t, now):<7}  {t.name}", markup=False)
        out.print(f"    {t.role.value}{_scope(t)}, expires "
                  f"{_day(t.expires_at)[:10] or 'never'}, last used "
                  f"{_day(t.last_used_at)[:10] or 'never'}, secret starts {t.hint}…",
                  markup=False)


@app.command()
def revoke(token_id: Annotated[str, typer.Argument(
               help="token id from `hub token list`, or enough of its start to be unique")],
           config: ConfigOption = None) -> None:
    """Revoke a token: requests with it are refused from now on."""
    loaded = load(config)
    engine = open_database(loaded.config)
    try:
        with database_errors(loaded.config.database), \
                make_sessionmaker(engine).begin() as session:
            token = revoke_token(session, token_id, datetime.now(UTC))
            found, name = token.id, token.name
    except TokenError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    out.print(f"token {found} ({name}) revoked: running servers refuse it within 5 s",
              markup=False)


def _scope(token: ApiToken) -> str:
    if token.department:
        return f" {token.department}"
    if token.partner:
        return f" {token.partner} (projects {', '.join(token.projects)})"
    return ""


def _as_json(token: ApiToken, now: datetime) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "role": token.role.value,
            "department": token.department, "partner": token.partner,
            "projects": list(token.projects or ()), "starts_with": token.hint,
            "created_at": token.created_at.isoformat(),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "state": state(token, now)}


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
