"""`hub demo`: sandboxes of the departments' tools, the hub on its embedded default between
them, and (unless --no-script) a narrated day in the life. Ctrl-C stops everything."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from rich.markup import escape
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.cli.common import Loaded, load, open_database, out
from hub.demo.cast import Company, company
from hub.demo.roles import DEPARTMENT, Example, Tokens, examples, make_tokens, organise_projects
from hub.demo.sales import ACCOUNT, DELIVERY, SALES_PEOPLE
from hub.demo.script import DayInTheLife
from hub.demo.setup import demo_config
from hub.demo.sso import IdentityProvider, running_provider, sso_yaml, try_sign_in
from hub.demo.sso import banner as sso_banner
from hub.demo.steps import Narrator, StepFailed, wait_for
from hub.demo.tools import BAMBOO_SECRET, JIRA_SECRET, Tools, running_tools
from hub.store.canonical import Absence, BudgetLine, Person, Task
from hub.store.sync import InboxItem, InboxState, IntentState, PushIntent
from hub.testing.server import free_port, serve


def run_demo(directory: Path, port: int, script: bool) -> int:
    """Run the demo; the exit code is 0 when every step of the script showed its outcome."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("hub.db*"):
        old.unlink()  # the sandboxes start afresh each time: so does the hub's data
    started = time.monotonic()
    people = company()
    with _stop_on_sigterm(), running_tools(people, directory) as tools, \
            running_provider(people) as idp:
        port = port if _is_free(port) else free_port()
        config_file = directory / "config.yaml"
        config_file.write_text(demo_config(tools, directory, port) + "\n" + sso_yaml(idp, people))
        loaded = load(config_file)
        engine = open_database(loaded.config)
        try:
            return _with_hub(loaded, engine, tools, idp, people, port, script, started,
                             directory)
        finally:
            engine.dispose()
            out.print("[dim]stopped: the hub, its workers and the sandboxes are down[/dim]")


def _with_hub(loaded: Loaded, engine: Engine, tools: Tools, idp: IdentityProvider,
              people: Company, port: int, script: bool, started: float,
              directory: Path) -> int:
    app = create_app(loaded.config, engine, loaded.registry, background=True)
    hub_url = f"http://127.0.0.1:{port}"
    # What a Jira admin does once (System > WebHooks); Asana's the hub registers by itself.
    tools.jira.register_webhook(f"{hub_url}/webhooks/rd-jira", JIRA_SECRET, name="hub")
    tools.hr.register_webhook(f"{hub_url}/webhooks/hr", private_key=BAMBOO_SECRET)
    with serve(app, port=port):
        tokens = make_tokens(engine, people)
        expected = len(tools.jira_keys) + len(tools.asana_gids) - people.joint
        known = len(people.people) + (len(SALES_PEOPLE) if tools.sales else 0)
        _banner(tools, hub_url, tokens, people, directory)
        for line in sso_banner(idp, hub_url):
            out.print(line, markup=False, highlight=False)
        headers = {"Authorization": f"Bearer {tokens.admin}"}
        try:
            seconds = _initial_sync(engine, tools, expected, known, len(people.plans),
                                    len(people.absences))
            with httpx.Client(base_url=hub_url, headers=headers, timeout=10) as api:
                named = organise_projects(api, people)
            signed_in = try_sign_in(hub_url, "agency")
        except StepFailed as exc:
            out.print(f"[red]✗ initial sync: {exc}[/red]")
            return 1
        out.print(f"\n[green]✓[/green] initial sync: {expected} tasks from Jira and Asana "
                  f"({people.joint} of them in both, linked by the Jira key; "
                  f"{len(tools.trello_cards)} with the design team's Trello cards) and "
                  f"{len(people.people)} people (each one person across BambooHR, Jira and "
                  f"Asana, by e-mail) with {len(people.absences)} absences, "
                  f"{len(people.plans)} budgets from finance, pushed where they show, in "
                  f"{seconds:.2f} s, {time.monotonic() - started:.1f} s after start; IT named "
                  f"the {named} projects and their departments (PATCH /api/v1/projects/...)")
        out.print(f"[green]✓[/green] dashboard sign-in through the identity provider: "
                  f"signed in as {escape(signed_in)}", highlight=False)
        _try_roles(examples(engine, people, hub_url, tokens))
        if not script:
            out.print("\nEverything keeps running: try the API, edit in the sandboxes. "
                      "Ctrl-C stops it all.")
            _wait_for_interrupt()
            return 0
        with httpx.Client(base_url=hub_url, headers=headers, timeout=10) as api:
            narrator = Narrator(out)
            ok = DayInTheLife(people, tools, api, narrator).run()
        (directory / "summary.json").write_text(json.dumps(
            {"ok": ok, "initial_sync_seconds": seconds,
             "steps": [o.as_json() for o in narrator.outcomes]}, indent=2, default=str))
        _print_digest(app, hub_url, headers)
        total = sum(o.seconds for o in narrator.outcomes)
        verdict = "[green]every step reached every tool[/green]" if ok else \
            "[red]some steps did not arrive[/red]"
        out.print(f"\n{verdict} ({total:.2f} s in all). `hub demo --no-script` keeps it "
                  "running for you to try.")
        return 0 if ok else 1


def _print_digest(app: Any, hub_url: str, headers: dict[str, str]) -> None:
    """The day's digest, as the hub writes it at `digests.at` and serves it later."""
    from hub.notify.digest import due_digests

    rt = app.state.runtime
    if rt is None:
        return
    due_digests(rt, rt.clock())  # its time has come (00:00); written once, whoever asks
    with httpx.Client(base_url=hub_url, headers=headers, timeout=10) as api:
        found = api.get("/api/v1/digests", params={"date": rt.clock().date().isoformat()})
    items = found.json().get("items", []) if found.status_code == 200 else []
    if not items:
        return
    out.print(f"\n[bold]{items[0]['title']}[/bold] (GET /api/v1/digests)", highlight=False)
    out.print(items[0]["body"], markup=False, highlight=False)


def _banner(tools: Tools, hub_url: str, tokens: Tokens, people: Company,
            directory: Path) -> None:
    out.print("\n[bold]The hub is running[/bold] (SQLite, one process)")
    out.print(f"  API docs          {hub_url}/docs")
    out.print(f"  dashboard         {hub_url}/ui   (sign in through the identity provider, "
              "as one of the people below, or paste a token)")
    # The demo's own tokens, made for this run only: showing them is the point.
    partner = people.partner
    print(f"  admin token       {tokens.admin}", flush=True)
    print(f"  department token  {tokens.department}   ({DEPARTMENT}: its projects' tasks, "
          "budgets, people and absences)", flush=True)
    print(f"  partner token     {tokens.partner}   ({partner.name}: project "
          f"{partner.project} only, people by name)", flush=True)
    out.print(f"  config            {directory / 'config.yaml'}")
    out.print("[bold]The departments' tools[/bold] (sandboxes)")
    out.print(f"  Jira (R&D)          {tools.jira_url}   projects LAUNCH, CORE, MOB, "
              f"{DELIVERY} (customer deliveries)")
    out.print(f"  Asana (marketing)   {tools.asana_url}   "
              f"{', '.join(tools.asana_projects)}")
    out.print(f"  Trello (design)     {tools.trello_url}   board "
              f"\"{tools.trello.board['name']}\", {len(tools.trello.cards)} cards")
    out.print(f"  BambooHR (HR)       {tools.hr_url}   "
              f"{len(tools.hr.state.employees)} employees")
    if tools.sales is not None:
        out.print(f"  Salesforce (sales)  {tools.sales.url}   account \"{ACCOUNT}\", "
                  "a deal in negotiation")
    out.print(f"  finance drop        {tools.finance_drop}   SAP exports in, portfolio.xlsx "
              "out")


def _try_roles(examples: list[Example]) -> None:
    """One query per role, ready to paste (each answers now)."""
    out.print("\n[bold]Try each role[/bold] (each query answers now)")
    for example in examples:
        out.print(f"  as {example.role}: {example.what}", markup=False)
        print(f"    {example.curl()}", flush=True)


def _initial_sync(engine: Engine, tools: Tools, tasks: int, people: int, budgets: int,
                  absences: int) -> float:
    """Wait until every tool was read, what the hub decided was pushed to every tool, and the
    webhooks those writes caused came back and were seen to be their echo."""
    started = time.monotonic()

    def settled() -> bool:
        # The tools' outboxes first: a delivery they sent meanwhile is in the inbox by then.
        quiet = all(tool.webhooks.idle()
                    for tool in (tools.jira, tools.asana, tools.trello, tools.hr))
        with Session(engine) as session:
            found = [session.scalar(select(func.count()).select_from(table)
                                    .where(table.deleted_at.is_(None)))
                     for table in (Task, Person, BudgetLine, Absence)]
            pending = session.scalar(select(func.count()).select_from(PushIntent)
                                     .where(PushIntent.state == IntentState.pending))
            inbox = session.scalar(select(func.count()).select_from(InboxItem)
                                   .where(InboxItem.state == InboxState.pending))
        return found == [tasks, people, budgets, absences] and pending == inbox == 0 and quiet

    wait_for(settled, 90.0, f"{tasks} tasks, {people} people, {budgets} budget lines and "
                            f"{absences} absences in the hub, and nothing left to push")
    return time.monotonic() - started


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    while not stop.wait(3600):
        pass


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM ends the demo like Ctrl-C does: every server shuts down on the way out."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
