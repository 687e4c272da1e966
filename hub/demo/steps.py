"""Running the demo's steps: do something in a tool, wait for the hub to carry it to the
others (on the real condition, with a deadline), and tell how long it took."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from rich.console import Console

T = TypeVar("T")


@dataclass
class Outcome:
    """What one step showed: whether it happened, how fast, and what was seen."""

    step: str
    ok: bool
    seconds: float
    detail: str
    facts: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class StepFailed(Exception):
    """A step's outcome did not appear within its deadline."""


def wait_for(condition: Callable[[], T | None], within: float, what: str) -> T:
    """The first truthy value of `condition`, polled until `within` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StepFailed(f"{what}: not seen within {within:.0f}s")
        time.sleep(0.02)  # the tools and the hub run in other threads; look again shortly


class Narrator:
    """Prints the story as it happens and keeps each step's outcome."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.outcomes: list[Outcome] = []

    def say(self, text: str) -> None:
        self.console.print(text)

    def step(self, title: str, run: Callable[[], tuple[str, dict[str, Any]]]) -> Outcome:
        """Run one step (`run` acts, waits and returns what it saw) and report it."""
        number = len(self.outcomes) + 1
        self.console.print(f"\n[bold]{number}. {title}[/bold]")
        started = time.monotonic()
        try:
            detail, facts = run()
            outcome = Outcome(title, True, time.monotonic() - started, detail, facts)
            self.console.print(f"   [green]✓[/green] {detail} "
                               f"[dim]({outcome.seconds:.2f} s)[/dim]")
        except StepFailed as exc:
            outcome = Outcome(title, False, time.monotonic() - started, str(exc), {})
            self.console.print(f"   [red]✗ {exc}[/red]")
        self.outcomes.append(outcome)
        return outcome
