"""The event log behind Asana's `/events`: what happened in each project, and the sync tokens
that mark how far a reader got (at most 100 events per call; 412 with a fresh token when a
token is missing, unknown or expired)."""

from __future__ import annotations

import secrets
from typing import Any

from connectors.asana.sandbox.errors import AsanaApiError
from connectors.asana.sandbox.model import Task, User, iso

SYNC_INVALID = ("Sync token invalid or too old. If you are attempting to keep resources in sync, "
                "you must fetch the full dataset for this query now and use the new sync token "
                "for the next sync.")
EVENTS_PER_CALL = 100
Change = tuple[str, dict[str, Any] | None, dict[str, Any] | None]  # action, parent, change


class EventLog:
    """Events per project and the sync tokens handed out; the caller holds the state's lock."""

    def __init__(self) -> None:
        self._log: dict[str, list[dict[str, Any]]] = {}  # project gid -> its events
        self._sync: dict[str, tuple[str, int]] = {}  # token -> (project gid, log position)

    def add_project(self, project_gid: str) -> None:
        """Start a project's (empty) log."""
        self._log.setdefault(project_gid, [])

    def record(self, actor: User | None, task: Task, changes: list[Change],
               when: int) -> list[dict[str, Any]]:
        """Log the compact events of one write in each of the task's projects; the events."""
        events = [{"user": {"gid": actor.gid, "resource_type": "user"} if actor else None,
                   "created_at": iso(when), "type": "task", "action": action,
                   "resource": {"gid": task.gid, "resource_type": "task",
                                "resource_subtype": "default_task"},
                   "parent": parent, **({"change": change} if change else {})}
                  for action, parent, change in changes]
        for project_gid in task.memberships:
            self._log[project_gid].extend(events)
        return events

    def read(self, project_gid: str, token: str | None) -> dict[str, Any]:
        """Up to 100 events after `token`, the next token and `has_more`; 412 otherwise."""
        log = self._log[project_gid]
        mark = self._sync.get(token or "")
        if mark is None or mark[0] != project_gid:
            raise AsanaApiError(412, SYNC_INVALID, extra={"sync": self._issue(project_gid,
                                                                               len(log))})
        batch = log[mark[1]:mark[1] + EVENTS_PER_CALL]
        end = mark[1] + len(batch)
        return {"data": batch, "sync": self._issue(project_gid, end),
                "has_more": end < len(log)}

    def expire(self) -> None:
        """Forget every sync token."""
        self._sync.clear()

    def _issue(self, project_gid: str, position: int) -> str:
        token = secrets.token_hex(16)
        self._sync[token] = (project_gid, position)
        return token
