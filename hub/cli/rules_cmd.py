"""`hub rules`: the configured rules, and what one would do now (`hub rules try RULE`), without
doing it; `hub notifications`: the outbox, what was sent, what waits and what failed."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from sqlalchemy import select

from hub.cli.common import (
    ConfigOption,
    JsonOption,
    database_errors,
    err,
    load,
    open_database,
    out,
    print_json,
    show_items,
)
from hub.config.rules import RuleConfig
from hub.store.db import make_sessionmaker
from hub.store.notify import Notification, NotificationState

app = typer.Typer(help="Cross-department rules from config.yaml (`rules:`).",
                  no_args_is_help=True)
notifications_app = typer.Typer(
    help="The notification outbox: sent, waiting and failed messages.",
    no_args_is_help=False, invoke_without_command=True)


@app.command("list")
def list_(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """The rules in the config: when, and what they do."""
    loaded = load(config)
    items = [{"name": r.name, "enabled": r.enabled, "when": _when(r),
              "then": [_action(a) for a in r.then]} for r in loaded.config.rules]
    show_items(items, as_json=as_json, empty="no rules in the config (see `rules:` in the "
                                             "README)", title=f"{len(items)} rules",
               columns=("name", "when", "then"),
               row=lambda i: (i["name"] + ("" if i["enabled"] else " (off)"), i["when"],
                              "; ".join(i["then"])))


@app.command("try")
def try_(rule: Annotated[str, typer.Argument(help="the rule's name")],
         limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
         as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Show which records the rule would touch from the current data, and what it would do
    (messages in full), without doing anything."""
    from hub.rules.trial import try_rule

    loaded = load(config)
    found = {r.name: r for r in loaded.config.rules}
    chosen = found.get(rule)
    if chosen is None:
        hint = difflib.get_close_matches(rule, list(found), n=1)
        guess = f' (did you mean "{hint[0]}"?)' if hint else ""
        err.print(f'no rule "{rule}"{guess}; rules: {", ".join(found) or "none"}',
                  markup=False)
        raise typer.Exit(code=2)
    engine = open_database(loaded.config)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine)() as session:
            trials = try_rule(loaded.config, session, chosen, datetime.now(UTC), limit)
            session.rollback()  # only read; nothing it planned is kept
    finally:
        engine.dispose()
    if as_json:
        print_json({"rule": rule, "items": [
            {"subject": t.subject, "effects": [
                {"kind": e.kind, "summary": e.summary, "channel": e.channel, "title": e.title,
                 "body": e.body, "updates": e.updates, "connector": e.connector,
                 "values": e.values} for e in t.effects]} for t in trials]})
        return
    if not trials:
        out.print(f"{rule}: no record in the current data would trigger it (when "
                  f"{_when(chosen)})", markup=False)
        return
    out.print(f"{rule} would act on {len(trials)} record(s) (nothing is done):", markup=False)
    for trial in trials:
        out.print(f"\n{trial.subject}", markup=False)
        for effect in trial.effects:
            out.print(f"  - {effect.summary}", markup=False)
            if effect.kind == "notify":
                for line in effect.body.splitlines():
                    out.print(f"      {line}", markup=False)
            elif effect.kind == "set":
                for record_id, fields in effect.updates.items():
                    out.print(f"      {record_id}: {fields}", markup=False)


def _when(rule: RuleConfig) -> str:
    when = rule.when
    parts = [when.event, when.entity.value if when.entity else "", when.field or "",
             f"from {when.from_}" if when.from_ is not None else "",
             f"to {when.to}" if when.to is not None else "", when.risk or ""]
    where = ", ".join(f"{k}={v}" for k, v in rule.where.items())
    return " ".join(p for p in parts if p) + (f" where {where}" if where else "")


def _action(action: Any) -> str:
    if action.notify is not None:
        return f"notify {', '.join(action.notify.channels)}"
    if action.set is not None:
        return f"set {action.set.fields} on {action.set.target}"
    return f"create a task in {action.create_task.connector}"


StateOption = Annotated[NotificationState | None, typer.Option(
    help="only messages in this state (pending, sending, sent, failed)")]


@notifications_app.callback()
def notifications(state: StateOption = None,
                  retry: Annotated[bool, typer.Option(
                      "--retry", help="send the failed ones again")] = False,
                  limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
                  as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """The latest messages of the outbox, failures with the service's reason."""
    loaded = load(config)
    engine = open_database(loaded.config)
    try:
        with database_errors(loaded.config.database), make_sessionmaker(engine).begin() \
                as session:
            if retry:
                rows = list(session.scalars(select(Notification).where(
                    Notification.state == NotificationState.failed)))
                for row in rows:
                    row.state, row.attempts = NotificationState.pending, 0
                    row.next_attempt_at = datetime.now(UTC)
                out.print(f"{len(rows)} failed message(s) will be sent again by the running "
                          "hub", markup=False)
                return
            query = select(Notification).order_by(Notification.created_at.desc()).limit(limit)
            if state is not None:
                query = query.where(Notification.state == state)
            items = [{"id": n.id, "channel": n.channel, "rule": n.rule, "state": n.state,
                      "title": n.title, "attempts": n.attempts, "error": n.last_error,
                      "created_at": n.created_at.isoformat(),
                      "sent_at": n.sent_at.isoformat() if n.sent_at else None,
                      "batched": n.batch_id is not None} for n in session.scalars(query)]
    finally:
        engine.dispose()
    show_items(items, as_json=as_json, empty="no notifications", title=f"{len(items)} "
               "notifications, newest first", columns=("id", "channel", "rule", "state",
                                                       "title", "error"),
               row=lambda i: (i["id"], i["channel"], i["rule"],
                              str(i["state"]) + (" (batched)" if i["batched"] else ""),
                              i["title"], i["error"] or ""),
               hint="failed ones: `hub notifications --retry` sends them again")
