"""Jobs asked for by the rows that need them: a transaction that stores a delivery or makes a
push due asks for the job that will process it, whoever wrote the row (a webhook, a poll, a
push's answer, an API edit, a resolved conflict).

The rows are watched as the session flushes; the jobs are sent either inside the same
transaction (the queue: a rolled-back change never fires a job, a committed one always has
its job) or right after it commits (the embedded runner, in memory). The sweep stays the net
for what a crash left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from hub.store.sync import InboxItem, IntentState, PushIntent
from hub.sync.dispatch import Job, lanes
from hub.sync.runtime import Runtime

_KEY = "hub_wake"
_LATER = "hub_wake_later"
#: a lane's own re-opened intents (a change came in while it pushed) are asked for this much
#: later: soon, but a tool that keeps answering with something else is not hammered
AGAIN_AFTER = 0.5
#: the push lane this task is running: its own pushes' re-opened intents are asked for again
#: `AGAIN_AFTER` seconds later, not at once
running_lane: ContextVar[Job | None] = ContextVar("running_lane", default=None)

#: (session, jobs now, jobs in AGAIN_AFTER seconds)
Send = Callable[[Session, set[Job], set[Job]], None]


def ask(session: Session, jobs: set[Job]) -> None:
    """Ask for jobs at the session's commit, as rows written through the ORM do (for rows a
    statement inserts in bulk, which the flush doesn't see)."""
    if jobs:
        session.info.setdefault(_KEY, set()).update(jobs)


class Wakeups:
    """Collects the jobs a session's flushes ask for and sends them at commit: with `within`
    inside the transaction (before it commits), with `after` once it has committed."""

    def __init__(self, rt: Runtime, *, within: Send | None = None,
                 after: Callable[[set[Job], set[Job]], None] | None = None) -> None:
        self.rt, self.within, self.after = rt, within, after
        self._installed: list[tuple[Any, str, Callable[..., None]]] = []

    def install(self, *factories: sessionmaker[Session]) -> None:
        """Watch every session these factories make."""
        hooks: list[tuple[str, Callable[..., None]]] = [
            ("after_flush", self._collect), ("after_rollback", self._forget)]
        if self.within is not None:
            hooks.append(("before_commit", self._send_within))
        if self.after is not None:
            hooks.append(("after_commit", self._send_after))
        for factory in factories:
            for name, hook in hooks:
                event.listen(factory, name, hook)
                self._installed.append((factory, name, hook))

    def uninstall(self) -> None:
        """Stop watching (the runner stopped)."""
        for factory, name, hook in self._installed:
            event.remove(factory, name, hook)
        self._installed = []

    # -- hooks -------------------------------------------------------------------------------
    def _collect(self, session: Session, _context: Any) -> None:
        wanted: set[Job] = session.info.setdefault(_KEY, set())
        due: dict[str, int] = {}
        for obj in session.new:
            if isinstance(obj, InboxItem) and obj.connector_id in self.rt.connectors:
                wanted.add(Job.inbox(obj.connector_id))
            elif isinstance(obj, PushIntent):
                self._due(obj, due)
        for obj in session.dirty:
            if isinstance(obj, PushIntent):
                state = inspect(obj)
                if state.attrs.state.history.has_changes() or \
                        state.attrs.next_attempt_at.history.has_changes():
                    self._due(obj, due)
        running = running_lane.get()
        for cid, count in due.items():
            # As many lanes as there are pushes, up to the connector's concurrency.
            jobs = {Job.push(cid, lane) for lane in range(min(count, lanes(self.rt, cid)))}
            if running is not None and running.connector_id == cid:
                session.info.setdefault(_LATER, set()).update(jobs)  # the lane's own: shortly
            else:
                wanted.update(jobs)

    def _due(self, intent: PushIntent, due: dict[str, int]) -> None:
        cid = intent.connector_id
        if intent.state is not IntentState.pending or cid not in self.rt.connectors:
            return
        if intent.next_attempt_at is not None and intent.next_attempt_at > self.rt.clock():
            return  # in backoff: the sweep asks when its time comes
        due[cid] = due.get(cid, 0) + 1

    def _send_within(self, session: Session) -> None:
        session.flush()  # rows added since the last flush ask too
        wanted, later = session.info.pop(_KEY, set()), session.info.pop(_LATER, set())
        if (wanted or later) and self.within is not None:
            self.within(session, wanted, later)

    def _send_after(self, session: Session) -> None:
        wanted, later = session.info.pop(_KEY, set()), session.info.pop(_LATER, set())
        if (wanted or later) and self.after is not None:
            self.after(wanted, later)

    def _forget(self, session: Session) -> None:
        session.info.pop(_KEY, None)
        session.info.pop(_LATER, None)
