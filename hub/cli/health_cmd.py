"""`hub quarantine` and `hub pushes`: what waits for a person after a sync (records that
could not be mapped, writes a tool refused), without curl. The same queries and rules as
`/api/v1/connectors/...`; the console's user acts as an admin."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from hub.cli.common import (
    ConfigOption,
    JsonOption,
    Loaded,
    database_errors,
    err,
    load,
    open_database,
    out,
    print_json,
    show_items,
)
from hub.query import health
from hub.query.labels import item_labels, record_labels
from hub.store.db import make_sessionmaker
from hub.store.sync import Link, PushIntent, QuarantineItem
from hub.sync.intents import held_fields, pending_patch
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

ConnectorArg = Annotated[str | None, typer.Argument(
    help="connector id from the config; default: every connector")]

quarantine_app = typer.Typer(
    help="Records a tool sent that could not be mapped: kept with the reason, never dropped.",
    invoke_without_command=True)
pushes_app = typer.Typer(help="Writes to the tools: the ones a tool refused, and retrying them.",
                         no_args_is_help=True)


def _read(config: ConfigOption, work: Callable[[Loaded, Session], Any]) -> Any:
    loaded = load(config)
    engine = open_database(loaded.config)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine)() as session:
            return work(loaded, session)
    finally:
        engine.dispose()


def _connectors(loaded: Loaded, connector: str | None) -> list[str]:
    configured = sorted(loaded.config.connectors)
    if connector is None:
        return configured
    if connector not in configured:
        err.print(f"no connector {connector!r} in the config (configured: "
                  f"{', '.join(configured) or 'none'})", markup=False)
        raise typer.Exit(code=2)
    return [connector]


# -- quarantine ------------------------------------------------------------------------------
ResolvedOption = Annotated[bool, typer.Option("--resolved",
                                              help="include the ones already dealt with")]
LimitOption = Annotated[int, typer.Option(min=1, max=500)]


@quarantine_app.callback()
def _quarantine(ctx: typer.Context, resolved: ResolvedOption = False, limit: LimitOption = 50,
                as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """`hub quarantine` alone lists every connector's (`hub quarantine list CONNECTOR`: one's)."""
    if ctx.invoked_subcommand is None:
        quarantine_list(None, resolved, limit, as_json, config)


@quarantine_app.command("list")
def quarantine_list(connector: ConnectorArg = None, resolved: ResolvedOption = False,
                    limit: LimitOption = 50, as_json: JsonOption = False,
                    config: ConfigOption = None) -> None:
    """List quarantined records with the reason and where they are in the tool."""

    def work(loaded: Loaded, session: Session) -> list[dict[str, Any]]:
        items = []
        for cid in _connectors(loaded, connector):
            page = health.quarantine(session, cid, limit, None, resolved)
            items += [{"connector": cid, **item} for item in page.items]
        return items

    items = _read(config, work)
    show_items(items, as_json=as_json,
               empty="nothing in quarantine: every record a tool sent was mapped",
               title=f"quarantined records: {len(items)}",
               columns=("id", "connector", "record", "where", "why", "since"),
               row=lambda q: (q["id"], q["connector"],
                              f"{q['remote_type'] or ''} {q['remote_id'] or ''}",
                              q["location"] or "", q["reason"], _when(q["created_at"])),
               hint="the payload as received: hub quarantine show ID")


@quarantine_app.command("show")
def quarantine_show(item_id: Annotated[str, typer.Argument(help="quarantine id")],
                    as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """One quarantined record: the reason, the place, and the payload as the tool sent it."""

    def work(loaded: Loaded, session: Session) -> dict[str, Any] | None:
        row = session.get(QuarantineItem, item_id)
        if row is None:
            return None
        return {"id": row.id, "connector": row.connector_id, "remote_type": row.remote_type,
                "remote_id": row.remote_id, "location": row.location, "reason": row.reason,
                "payload": row.payload, "created_at": _iso(row.created_at),
                "resolved_at": _iso(row.resolved_at)}

    item = _read(config, work)
    if item is None:
        err.print(f"no quarantined record {item_id!r} (see `hub quarantine`)", markup=False)
        raise typer.Exit(code=1)
    if as_json:
        print_json(item)
        return
    out.print(f"{item['connector']} {item['remote_type'] or ''} {item['remote_id'] or ''}, "
              f"quarantined {_when(item['created_at'])}: {item['reason']}", markup=False)
    if item["location"]:
        out.print(f"  where: {item['location']}", markup=False)
    out.print("  payload:", markup=False)
    out.print(json.dumps(item["payload"], indent=2, ensure_ascii=False, default=str),
              markup=False)


# -- pushes ----------------------------------------------------------------------------------
@pushes_app.command("failed")
def pushes_failed(connector: ConnectorArg = None, limit: LimitOption = 50,
                  as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """List the writes a tool refused, with the tool's own reason."""

    def work(loaded: Loaded, session: Session) -> list[dict[str, Any]]:
        items = []
        for cid in _connectors(loaded, connector):
            items += [{"connector": cid, **i}
                      for i in health.failed_pushes(session, cid, limit, None).items]
        labels = item_labels(session, items)
        return [{**i, "record": labels.get(i["record_id"])} for i in items]

    items = _read(config, work)
    show_items(items, as_json=as_json,
               empty="no failed pushes: every tool took what the hub wrote",
               title=f"failed pushes: {len(items)}",
               columns=("id", "connector", "record", "why (the tool's words)", "attempts",
                        "since"),
               row=lambda i: (i["id"], i["connector"],
                              f"{i['entity']} {i['record'] or i['record_id']} "
                              f"({'create' if i['create'] else i['remote_id'] or ''})",
                              i["reason"] or "", str(i["attempts"]), _when(i["failed_at"])),
               hint="fix the cause in the tool, then: hub pushes retry CONNECTOR")


@pushes_app.command("show")
def pushes_show(intent_id: Annotated[str, typer.Argument(help="push id")],
                as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """One push: the record, the fields it would write, its state and the tool's reason."""
    loaded = load(config)
    engine = open_database(loaded.config)
    rt = Runtime(loaded.config, loaded.registry, engine)
    try:
        with database_errors(loaded.config.database), rt.sessions() as session:
            shown = _push(rt, session, intent_id)
    finally:
        asyncio.run(rt.aclose())
        engine.dispose()
    if shown is None:
        err.print(f"no push {intent_id!r} (see `hub pushes failed`)", markup=False)
        raise typer.Exit(code=1)
    if as_json:
        print_json(shown)
        return
    out.print(f"push {shown['id']} to {shown['connector']}: {shown['entity']} "
              f"{shown['record'] or shown['record_id']}, {shown['state']} after "
              f"{shown['attempts']} attempts", markup=False)
    if shown["reason"]:
        out.print(f"  the tool said: {shown['reason']}", markup=False)
    if shown["url"]:
        out.print(f"  in the tool: {shown['url']}", markup=False)
    for name, value in shown["fields"].items():
        out.print(f"  {name} -> {json.dumps(value, ensure_ascii=False, default=str)}",
                  markup=False)


def _push(rt: Runtime, session: Session, intent_id: str) -> dict[str, Any] | None:
    intent = session.get(PushIntent, intent_id)
    if intent is None:
        return None
    link = session.get(Link, intent.link_id) if intent.link_id else None
    store = RecordStore(session)
    record = store.load(intent.entity, [intent.record_id]).get(intent.record_id)
    fields: dict[str, Any] = {}
    if record is not None and link is not None and intent.connector_id in rt.connectors:
        held = held_fields(session, intent.entity, [intent.record_id]).get(intent.record_id,
                                                                           set())
        fields = pending_patch(rt, link, store.values(intent.entity, record), held)
    return {"id": intent.id, "connector": intent.connector_id, "entity": intent.entity.value,
            "record_id": intent.record_id,
            "record": record_labels(session, intent.entity, [intent.record_id]).get(
                intent.record_id),
            "create": intent.create, "state": intent.state.value, "attempts": intent.attempts,
            "reason": intent.last_error, "url": link.url if link else None,
            "remote_id": link.remote_id if link else None, "fields": fields,
            "next_attempt_at": _iso(intent.next_attempt_at)}


@pushes_app.command("retry")
def pushes_retry(connector: Annotated[str, typer.Argument(help="connector id from the config")],
                 as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Put a connector's failed pushes back in the queue (after fixing the cause in the tool):
    a running `hub serve` sends them within seconds; `hub sync` sends them too."""
    loaded = load(config)
    _connectors(loaded, connector)
    engine = open_database(loaded.config)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine).begin() as s:
            count = health.retry_failed(s, connector, datetime.now(UTC))
    finally:
        engine.dispose()
    if as_json:
        print_json({"requeued": count})
        return
    out.print(f"{count} failed push{'es' if count != 1 else ''} to {connector} queued again: "
              "a running `hub serve` sends them within seconds", markup=False)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")
