"""`hub check`: validate the config, reach the database, try each connector and read each
single sign-on provider's discovery and keys, read-only."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from hub.auth.oidc import OidcUnavailable, OidcVerifier
from hub.cli.common import Loaded, database_failure, out
from hub.errors import HubError
from hub.redact import REDACTOR
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import Connector
from hub.store import migrate
from hub.store.db import is_sqlite, make_engine, normalise_url, ping


@dataclass
class CheckRow:
    """One line of the check table."""

    name: str
    kind: str
    ok: bool
    detail: str
    seconds: float


def run_checks(loaded: Loaded, timeout: float) -> list[CheckRow]:
    """Check the database and every enabled connector; never raises, never writes."""
    rows = [_check_database(loaded)]
    rows += asyncio.run(_check_connectors(loaded, timeout))
    rows += _check_sso(loaded, timeout)
    return rows


def _check_sso(loaded: Loaded, timeout: float) -> list[CheckRow]:
    """Each identity provider: its discovery document and signing keys can be read."""
    sso = loaded.config.sso
    if not sso.issuers:
        return []
    rows = []
    verifier = OidcVerifier(sso, http=httpx.Client(timeout=timeout))
    try:
        for name, keys in verifier.providers.items():
            started = time.monotonic()
            try:
                keys.key(None)  # reads discovery, then the keys
                found = keys.discovery()
                detail = (f"{keys.settings.issuer}: {keys.key_count} signing key(s)"
                          + (", end-session" if found.end_session_endpoint else ""))
                rows.append(CheckRow(f"sso {name}", "oidc", keys.key_count > 0,
                                     detail if keys.key_count else detail + ": none usable",
                                     time.monotonic() - started))
            except OidcUnavailable as exc:
                rows.append(CheckRow(f"sso {name}", "oidc", False, str(exc),
                                     time.monotonic() - started))
    finally:
        verifier.close()
    return rows


def _check_database(loaded: Loaded) -> CheckRow:
    started = time.monotonic()
    db = loaded.config.database
    url = normalise_url(db.url.get_secret_value())
    if is_sqlite(url) and url.database and url.database != ":memory:" and \
            not Path(url.database).expanduser().exists():
        # Read-only: a check must not create the file it was asked about.
        return CheckRow("database", "sqlite", True, f"{db.display_url}: no file yet (`hub "
                        "serve` or `hub db upgrade` creates it)", time.monotonic() - started)
    engine = make_engine(db.url.get_secret_value())
    try:
        ping(engine)
        current, head = migrate.current_revision(engine), migrate.head_revision(engine)
        detail = f"{db.display_url}, schema {current or 'empty'}"
        if current != head:
            detail += f" (code needs {head}: `hub db upgrade` or `hub serve` will apply it)"
        return CheckRow("database", engine.dialect.name, True, detail,
                        time.monotonic() - started)
    except SQLAlchemyError as exc:
        return CheckRow("database", engine.dialect.name, False, database_failure(db, exc),
                        time.monotonic() - started)
    finally:
        engine.dispose()


async def _check_connectors(loaded: Loaded, wait_s: float) -> list[CheckRow]:
    jobs = [
        _check_one(loaded, connector_id, settings, wait_s)
        for connector_id, settings in loaded.config.connectors.items() if settings.enabled
    ]
    return list(await asyncio.gather(*jobs))


async def _check_one(loaded: Loaded, connector_id: str, settings: ConnectorConfig,
                     wait_s: float) -> CheckRow:
    started = time.monotonic()
    cls = loaded.registry.kinds[settings.kind]
    connector: Connector[ConnectorConfig] | None = None
    try:
        connector = cls(connector_id, settings)
        result = await asyncio.wait_for(connector.check(), wait_s)
        ok, detail = result.ok, result.detail
    except TimeoutError:
        ok, detail = False, f"no answer within {wait_s:g}s"
    except HubError as exc:
        ok, detail = False, str(exc)
    except Exception as exc:  # a plugin's bug must not hide the other connectors' results
        ok, detail = False, f"connector error: {type(exc).__name__}: {exc}"
    finally:
        if connector is not None:
            await connector.aclose()
    return CheckRow(connector_id, settings.kind, ok, detail, time.monotonic() - started)


def render(rows: list[CheckRow]) -> None:
    """Print the results as a table."""
    table = Table(title="hub check")
    for column in ("name", "kind", "result", "detail", "time"):
        table.add_column(column)
    for row in rows:
        # Mask before rendering: a secret wrapped across cell lines would escape the console's net.
        mark = "[green]ok[/green]" if row.ok else "[red]FAILED[/red]"
        table.add_row(row.name, row.kind, mark, REDACTOR(row.detail).replace("[", r"\["),
                      f"{row.seconds * 1000:.0f} ms")
    out.print(table)
