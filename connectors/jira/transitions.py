"""Moving an issue to a status the way Jira allows it: through workflow transitions.

Jira shows only the transitions available from the current status, so the path is walked:
take a transition straight to the target if there is one; otherwise step to a status not yet
visited (forward in status category first) and look again, up to `max_hops`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from connectors.jira.client import API, JiraClient
from hub.errors import Permanent

_CATEGORY_RANK = {"new": 0, "indeterminate": 1, "done": 2}
#: a project key -> the statuses of its workflows (None: unknown)
StatusesOf = Callable[[str], Awaitable[set[str] | None]]


async def move_to_status(client: JiraClient, key: str, target: str, *, max_hops: int,
                         fill: dict[str, dict[str, Any]],
                         statuses: StatusesOf | None = None, from_status: str | None = None,
                         ) -> None:
    """Transition issue `key` until its status is `target`; Permanent (400) if there is no way.

    A status the workflow doesn't have (`statuses`: of the issue's project) is refused before
    any move. When a walk ends nowhere, the issue is walked back to where it started (as far
    as its workflow lets it): a refused status must not leave the issue in another one.
    With `from_status` (the status the hub last saw), the walk stops where the issue is found
    in a status neither that one nor one the walk moved it to: a person moved it meanwhile,
    and their move is newer than the hub's.
    """
    if statuses is not None:
        issue = await client.get_json(f"{API}/issue/{key}", {"fields": "project"})
        known = await statuses(str(issue["fields"]["project"]["key"]))
        if known is not None and target.casefold() not in {s.casefold() for s in known}:
            raise Permanent(f"jira: no workflow path to {target!r}: the workflow of "
                            f"{issue.get('key', key)} has no such status (its statuses: "
                            f"{', '.join(sorted(known))})", status=400)
    visited: list[str] = []
    try:
        await _walk(client, key, target, max_hops, fill, visited, from_status)
    except Permanent:
        if len(visited) > 1:  # it moved: back to the start, if the workflow allows
            with contextlib.suppress(Permanent):
                await _walk(client, key, visited[0], max_hops, fill, [])
        raise


async def _walk(client: JiraClient, key: str, target: str, max_hops: int,
                fill: dict[str, dict[str, Any]], visited: list[str],
                expected: str | None = None) -> None:
    options: list[dict[str, Any]] = []
    for _ in range(max_hops):
        listing = await client.get_json(f"{API}/issue/{key}/transitions",
                                        {"expand": "transitions.fields"})
        issue = await client.get_json(f"{API}/issue/{key}", {"fields": "status"})
        current = issue["fields"]["status"]["name"]
        if current.casefold() == target.casefold():
            return
        if expected is not None and current.casefold() != expected.casefold():
            return  # moved by someone else since: theirs stands, read back by the caller
        visited.append(current)
        options = listing.get("transitions") or []
        direct = [t for t in options if t["to"]["name"].casefold() == target.casefold()]
        step = direct[0] if direct else _next_step(options, visited, target)
        if step is None:
            break
        await client.request("POST", f"{API}/issue/{key}/transitions",
                             json=_transition_body(step, fill))
        if direct:
            return
        if expected is not None:
            expected = str(step["to"]["name"])
    reachable = ", ".join(sorted({t["to"]["name"] for t in options})) or "none"
    raise Permanent(f"jira: no workflow path from {' -> '.join(visited)} to {target!r} within "
                    f"{max_hops} transitions (reachable from {visited[-1]!r}: {reachable})",
                    status=400)


def _next_step(options: list[dict[str, Any]], visited: list[str],
               target: str) -> dict[str, Any] | None:
    fresh = [t for t in options if t["to"]["name"] not in visited]
    if not fresh:
        return None
    # Forward in the workflow (To Do -> In Progress -> Done) is the usual way to a target.
    return max(fresh, key=lambda t: _CATEGORY_RANK.get(
        (t["to"].get("statusCategory") or {}).get("key", ""), 1))


def _transition_body(step: dict[str, Any], fill: dict[str, dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"transition": {"id": step["id"]}}
    wanted = fill.get(step["to"]["name"], {})
    required = {name for name, spec in (step.get("fields") or {}).items()
                if spec.get("required")}
    missing = required - set(wanted)
    if missing:
        raise Permanent(f"jira: moving to {step['to']['name']!r} requires "
                        f"{', '.join(sorted(missing))}; set transition_fields for it in the "
                        "connector config", status=400)
    fields = {name: value for name, value in wanted.items()
              if name in required or name in (step.get("fields") or {})}
    if fields:
        body["fields"] = fields
    return body
