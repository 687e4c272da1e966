"""Workflows of the sandbox: statuses (with a status category) and the transitions between them.

Jira only offers the transitions available from an issue's current status, so reaching a status
can take several hops; `Workflow.path` finds the shortest one (what a person would click).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: ids of well-known statuses, so the same name keeps its id across workflows
KNOWN_STATUS_IDS = {"To Do": "10000", "In Progress": "3", "Done": "10001", "In Review": "10002",
                    "Blocked": "10003", "Backlog": "10004", "Selected for Development": "10005",
                    "Closed": "6", "Open": "1", "Reopened": "4", "Resolved": "5"}


@dataclass(frozen=True)
class Status:
    """A status; `category` is `new`, `indeterminate` or `done`."""

    id: str
    name: str
    category: str = "indeterminate"


@dataclass(frozen=True)
class Transition:
    """A transition to the status named `to`, from the statuses named in `sources` (empty: from
    any status, a global transition). `requires_resolution` puts a required Resolution field on
    its screen; by default, transitions into a done status have one."""

    id: str
    name: str
    to: str
    sources: tuple[str, ...] = ()
    requires_resolution: bool | None = None

    def starts_from(self, status: str) -> bool:
        """True when the transition is offered to an issue in `status` (a status name)."""
        return (not self.sources or status in self.sources) and status != self.to


@dataclass(frozen=True)
class Workflow:
    """A status graph. The first status is where new issues start unless `initial` names one."""

    name: str
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]
    initial: str | None = None
    _by_name: dict[str, Status] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)

    def __post_init__(self) -> None:
        names = {s.name.casefold(): s for s in self.statuses}
        ids = {s.id for s in self.statuses}
        if not self.statuses or len(names) != len(self.statuses) or len(ids) != len(names):
            raise ValueError(f"workflow {self.name!r} needs statuses with unique names and ids")
        for transition in self.transitions:
            for name in (transition.to, *transition.sources):
                if name.casefold() not in names:
                    raise ValueError(f"transition {transition.name!r} of {self.name!r} names an "
                                     f"unknown status {name!r}")
        self._by_name.update(names)

    @property
    def start(self) -> Status:
        """The status new issues get."""
        return self.status(self.initial) if self.initial else self.statuses[0]

    def find(self, name_or_id: str) -> Status | None:
        """The status with this name (case-insensitive) or id."""
        found = self._by_name.get(str(name_or_id).casefold())
        return found or next((s for s in self.statuses if s.id == str(name_or_id)), None)

    def status(self, name_or_id: str) -> Status:
        """Like `find`, but a missing status is a KeyError."""
        found = self.find(name_or_id)
        if found is None:
            raise KeyError(f"workflow {self.name!r} has no status {name_or_id!r}")
        return found

    def available(self, status: str) -> list[Transition]:
        """The transitions offered to an issue in `status` (a status name)."""
        name = self.status(status).name
        return [t for t in self.transitions if t.starts_from(name)]

    def needs_resolution(self, transition: Transition) -> bool:
        """Whether the transition's screen requires a resolution."""
        if transition.requires_resolution is not None:
            return transition.requires_resolution
        return self.status(transition.to).category == "done"

    def path(self, source: str, target: str) -> list[Transition] | None:
        """The fewest transitions from status `source` to `target` ([] if already there)."""
        start, goal = self.status(source).name, self.status(target).name
        came: dict[str, tuple[str, Transition] | None] = {start: None}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            if current == goal:
                steps: list[Transition] = []
                while (link := came[current]) is not None:
                    current, step = link
                    steps.append(step)
                return steps[::-1]
            for step in self.available(current):
                to = self.status(step.to).name
                if to not in came:
                    came[to] = (current, step)
                    queue.append(to)
        return None

    @classmethod
    def build(cls, name: str, statuses: Iterable[tuple[str, str]],
              edges: Iterable[tuple[str, str]], *, initial: str | None = None) -> Workflow:
        """A workflow from (status name, category) pairs and (from, to) edges; ids assigned
        (known names keep Jira's ids), transitions named after their target."""
        made: list[Status] = []
        for n, (status_name, category) in enumerate(statuses):
            made.append(Status(KNOWN_STATUS_IDS.get(status_name, str(10100 + n)), status_name,
                               category))
        transitions = [Transition(str(11 + 10 * n), f"{target}", target, (source,))
                       for n, (source, target) in enumerate(edges)]
        return cls(name, tuple(made), tuple(transitions), initial)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workflow:
        """A workflow from JSON: `{"name", "statuses": [{"name", "category", "id"?}],
        "transitions": [{"from": [..] | "..", "to", "id"?, "name"?, "requires_resolution"?}]}`
        or with `edges: [[from, to], ...]` instead of transitions."""
        statuses = [Status(str(s.get("id") or KNOWN_STATUS_IDS.get(s["name"], 10100 + n)),
                           s["name"], s.get("category", "indeterminate"))
                    for n, s in enumerate(data["statuses"])]
        raw = list(data.get("transitions") or [])
        raw += [{"from": [a], "to": b} for a, b in data.get("edges") or []]
        transitions = []
        for n, t in enumerate(raw):
            sources = t.get("from") or []
            transitions.append(Transition(
                str(t.get("id") or 11 + 10 * n), t.get("name") or t["to"], t["to"],
                tuple([sources] if isinstance(sources, str) else sources),
                t.get("requires_resolution")))
        return cls(str(data.get("name") or "Sandbox workflow"), tuple(statuses),
                   tuple(transitions), data.get("initial"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form `from_dict` reads."""
        return {"name": self.name, "initial": self.start.name,
                "statuses": [{"id": s.id, "name": s.name, "category": s.category}
                             for s in self.statuses],
                "transitions": [{"id": t.id, "name": t.name, "from": list(t.sources), "to": t.to,
                                 "requires_resolution": self.needs_resolution(t)}
                                for t in self.transitions]}


def default_workflow() -> Workflow:
    """To Do -> In Progress -> In Review -> Done, Blocked from and to In Progress, and Done ->
    To Do (reopen). Reaching Done from To Do takes three transitions."""
    statuses = (Status("10000", "To Do", "new"), Status("3", "In Progress", "indeterminate"),
                Status("10002", "In Review", "indeterminate"), Status("10001", "Done", "done"),
                Status("10003", "Blocked", "indeterminate"))
    transitions = (
        Transition("11", "Start progress", "In Progress", ("To Do",)),
        Transition("21", "Submit for review", "In Review", ("In Progress",)),
        Transition("31", "Done", "Done", ("In Review",)),
        Transition("41", "Block", "Blocked", ("In Progress",)),
        Transition("51", "Unblock", "In Progress", ("Blocked",)),
        Transition("61", "Reopen", "To Do", ("Done",)),
    )
    return Workflow("Sandbox software workflow", statuses, transitions)
