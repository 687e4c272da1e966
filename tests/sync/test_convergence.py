"""The invariant of DESIGN §4, as a property: after edits on any side stop, every tool converges
to the same values, no update is lost, nothing loops, nothing is created twice, and every
concurrent edit left a conflict row.

Three fake tools hold the same tasks. Hypothesis interleaves edits in any tool with polls,
webhook deliveries (in order, reversed, duplicated, dropped), pushes (one by one, or all at once
and interleaved at every call to a tool, as the runners' push lanes run them), and faults
(retriable errors, rate limits, timeouts after the tool applied the write).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hub.errors import Retriable
from hub.model.enums import Entity
from hub.store.db import make_engine
from hub.store.tables import metadata
from hub.sync.comments.jobs import read_threads
from hub.sync.comments.text import unattributed
from hub.testing.fake_comments import user_comment, user_delete_comment, user_edit_comment
from tests.sync.harness import Hub

TOOLS = ("a", "b", "c")
VALUES: dict[str, list[str]] = {
    "status": ["To do", "Doing", "Blocked", "Review", "Done"],
    "title": ["Spec", "Build", "Ship", "Tell"],
    "priority": ["low", "medium", "high", "urgent"],
    "due_date": ["2026-12-01", "2026-12-15", "2027-01-10"],
}
CANONICAL_STATUS = {"To do": "todo", "Doing": "in_progress", "Blocked": "blocked",
                    "Review": "in_review", "Done": "done"}
OWNER = {"due_date": "a"}  # the others are `latest`
SYNC = {"entities": {"task": {
    "fields": {"due_date": {"owner": "a"}},
    "mirror": [{"from": "a", "to": "b"}, {"from": "a", "to": "c"}],
}}}
TASKS = 2

edit = st.tuples(st.just("edit"), st.sampled_from(TOOLS), st.integers(0, TASKS - 1),
                 st.sampled_from(sorted(VALUES)), st.integers(0, 4))
poll = st.tuples(st.just("poll"), st.sampled_from(TOOLS))
deliver = st.tuples(st.just("deliver"), st.sampled_from(TOOLS),
                    st.sampled_from(["in_order", "reversed", "duplicated", "drop_first"]))
push = st.tuples(st.just("push"), st.integers(1, 4))
# Every due push at once, interleaved at each call to a tool (the runners' push lanes).
concurrent_push = st.tuples(st.just("push_concurrently"), st.integers(0, 2**16))
fault = st.tuples(st.just("fault"), st.sampled_from(TOOLS),
                  st.sampled_from(["retriable", "rate_limit", "timeout_after_apply"]))
tick = st.tuples(st.just("tick"), st.integers(1, 30))
# A person comments, edits their comment, or deletes it; the hub reads a tool's threads.
comment = st.tuples(st.just("comment"), st.sampled_from(TOOLS), st.integers(0, TASKS - 1),
                    st.sampled_from(["add", "add", "edit", "delete"]), st.integers(0, 7))
threads = st.tuples(st.just("threads"), st.sampled_from(TOOLS))
steps = st.lists(st.one_of(edit, edit, poll, deliver, push, concurrent_push, fault, tick,
                           comment, threads),
                 max_size=40)


@dataclass
class Edit:
    tool: str
    task: int
    field: str
    value: str
    held: Any  # what the tool held just before this edit
    at: int = 0  # its place among all edits
    knew: frozenset[int] = frozenset()  # the edits (by place) its tool had received, and itself


class Received:
    """Which edits each tool had received, field by field: its own, and, through every value
    written to it by a push, the edits behind that value (directly, or through the tool that
    set it after receiving them). The test's own account of what "concurrent" means."""

    def __init__(self, hub: Hub, remote: dict[str, list[str]]) -> None:
        self.hub, self.remote = hub, remote
        self.edits: list[Edit] = []
        self.known: dict[tuple[str, int, str], frozenset[int]] = {}
        self.times = self._times()

    def _times(self) -> dict[tuple[str, int, str], Any]:
        return {(cid, task, name): when for cid, tool in self.hub.tools.items()
                for task, remote_id in enumerate(self.remote[cid])
                for name, when in tool.objects[remote_id].field_times.items()}

    def edited(self, edit: Edit) -> Edit:
        """A person's edit in a tool: it knows what its tool had received."""
        self.observe()
        key = (edit.tool, edit.task, edit.field)
        edit.at = len(self.edits)
        # Setting a value another tool set is agreeing with it, as the hub sees it (by value).
        agreed = [e.knew for e in self.edits if (e.task, e.field) == (edit.task, edit.field)
                  and e.value == edit.value]
        edit.knew = self.known.get(key, frozenset()).union({edit.at}, *agreed)
        self.known[key] = edit.knew
        self.edits.append(edit)
        self.times = self._times()
        return edit

    def observe(self) -> None:
        """After pushes: a tool that a push wrote a value to received every edit behind that
        value (each earlier edit that set it: which one the hub chose is the hub's business)."""
        now = self._times()
        for (cid, task, name), when in now.items():
            if self.times.get((cid, task, name)) == when:
                continue
            value = self.hub.tools[cid].objects[self.remote[cid][task]].fields.get(name)
            behind = [e.knew for e in self.edits if (e.task, e.field) == (task, name)
                      and e.value == value]
            self.known[(cid, task, name)] = self.known.get((cid, task, name), frozenset()) \
                .union(*behind)
        self.times = now


def _canonical(field: str, value: str) -> str:
    return CANONICAL_STATUS[value] if field == "status" else value


async def _scenario(plan: list[tuple[Any, ...]]) -> None:
    engine = make_engine("sqlite://")
    metadata.create_all(engine)
    hub = Hub(engine, list(TOOLS), SYNC)
    initial = {"title": "Spec", "status": "To do", "priority": "medium",
               "due_date": "2026-12-01"}
    origin = [hub.tools["a"].user_create(dict(initial)).remote_id for _ in range(TASKS)]
    await hub.poll("a")
    await hub.settle()
    records = [hub.record_id("a", rid) for rid in origin]
    remote = {cid: [hub.remote_id(cid, r) or "" for r in records] for cid in TOOLS}
    edits: list[Edit] = []
    said: list[Said] = []
    received = Received(hub, remote)

    for step in plan:
        kind = step[0]
        if kind == "edit":
            _, cid, task, field, index = step
            value = VALUES[field][index % len(VALUES[field])]
            obj = hub.tools[cid].objects[remote[cid][task]]
            if obj.fields.get(field) == value:
                continue  # setting what is already there is no edit; tools don't report it
            held = obj.fields.get(field)
            hub.tools[cid].user_edit(obj.remote_id, **{field: value})
            edits.append(received.edited(Edit(cid, task, field, value, held)))
            hub.clock.advance(1)
        elif kind == "poll":
            await _tolerant(hub.poll(step[1]))
        elif kind == "deliver":
            await _deliver(hub, step[1], step[2])
        elif kind == "push":
            for _ in range(step[1]):
                await hub.push_once()
                received.observe()
        elif kind == "push_concurrently":
            await hub.push_concurrently(step[1])
            received.observe()
        elif kind == "comment":
            _comment(hub, remote, said, *step[1:])
        elif kind == "threads":
            await _tolerant(read_threads(hub.rt, step[1]))
        elif kind == "fault":
            hub.tools[step[1]].inject(step[2])
        else:
            hub.clock.advance(step[1])

    await _quiesce(hub)
    _assert_converged(hub, records, remote, edits, initial)
    _assert_comments_converged(hub, remote, said)
    await _assert_no_loop(hub)


@dataclass
class Said:
    """A comment a person wrote: where, its latest text, whether it was deleted."""

    tool: str
    task: int
    comment_id: str
    text: str
    deleted: bool = False


def _comment(hub: Hub, remote: dict[str, list[str]], said: list[Said], cid: str, task: int,
             action: str, index: int) -> None:
    tool = hub.tools[cid]
    mine = [s for s in said if s.tool == cid and s.task == task and not s.deleted]
    if action == "add" or not mine:
        text = f"comment {len(said)} from {cid}"
        made = user_comment(tool, remote[cid][task], text, f"{cid}.person@example.com")
        said.append(Said(cid, task, made.comment_id, text))
    elif action == "edit":
        target = mine[index % len(mine)]
        target.text += " (edited)"
        user_edit_comment(tool, target.comment_id, target.text)
    else:
        target = mine[index % len(mine)]
        target.deleted = True
        user_delete_comment(tool, target.comment_id)
    hub.clock.advance(1)


def _assert_comments_converged(hub: Hub, remote: dict[str, list[str]],
                               said: list[Said]) -> None:
    """Every live comment once in every tool (the author's own, or the hub's copy with the
    latest text and who wrote it where); nothing deleted anywhere; nothing else."""
    for cid in TOOLS:
        for task in range(TASKS):
            held = sorted(unattributed(c.text) for c in hub.tools[cid].comments.values()
                          if c.parent == remote[cid][task])
            expected = sorted(s.text for s in said if s.task == task and not s.deleted)
            assert held == expected, (cid, task, held, expected)
            for c in hub.tools[cid].comments.values():
                assert (c.author == "hub") == (" (in Fake): " in c.text), c


async def _tolerant(job: Any) -> bool:
    """Run a poll; a failed one is simply retried by the next. True if it succeeded."""
    with contextlib.suppress(Retriable):
        await job
        return True
    return False


async def _deliver(hub: Hub, cid: str, mode: str) -> None:
    tool = hub.tools[cid]
    outbox, tool.outbox = tool.outbox, []
    if mode == "reversed":
        outbox.reverse()
    elif mode == "duplicated":
        outbox = [d for d in outbox for _ in range(2)]
    elif mode == "drop_first":
        outbox = outbox[1:]  # lost forever: only a poll can recover it
    for delivery in outbox:
        await hub.deliver(cid, delivery)


async def _quiesce(hub: Hub) -> None:
    outcomes_seen: list[int] = []  # rounds alternate: pushes one by one, then all at once
    for _ in range(40):
        hub.clock.advance(3600)  # past any backoff
        polled = True
        for cid in TOOLS:
            polled = await _tolerant(hub.poll(cid)) and polled
            await hub.deliver_all(cid)
            polled = await _tolerant(read_threads(hub.rt, cid)) and polled
        outcomes = await hub.push_concurrently(len(outcomes_seen)) if len(outcomes_seen) % 2 \
            else await hub.push_once()
        outcomes_seen.append(len(outcomes))
        if polled and not outcomes and not any(t.outbox for t in hub.tools.values()):
            return
    raise AssertionError("the hub did not quiesce")


def _assert_converged(hub: Hub, records: list[str], remote: dict[str, list[str]],
                      edits: list[Edit], initial: dict[str, str]) -> None:
    for task, record_id in enumerate(records):
        canonical = hub.values(record_id, Entity.task)
        for field in VALUES:
            mine = [e for e in edits if e.task == task and e.field == field]
            if field in OWNER:
                mine = [e for e in mine if e.tool == OWNER[field]]
            expected = mine[-1].value if mine else initial[field]
            assert canonical[field] == _canonical(field, expected), (task, field, canonical)
            for cid in TOOLS:
                held = hub.tools[cid].objects[remote[cid][task]].fields[field]
                assert held == expected, (cid, task, field, held, expected)
    for cid in TOOLS:
        assert len(hub.tools[cid].objects) == len(records), f"{cid} has duplicates"
    conflicts = hub.conflicts()
    for later, earlier in _concurrent_pairs(edits):
        # The row names the earlier edit, or whichever of the later tool's edits since then the
        # hub read first: an edit of that tool the hub had already read when the tool changed
        # it again was concurrent itself; the change on top of it is not (DESIGN §3 step 4).
        run = [e.value for e in edits if (e.tool, e.task, e.field) ==
               (later.tool, later.task, later.field) and earlier.at < e.at <= later.at]
        named = {_canonical(later.field, v) for v in [earlier.value, *run]}
        assert any(c.record_id == records[later.task] and c.field == later.field
                   and named & {v["value"] for v in c.candidates} for c in conflicts), \
            f"concurrent edits without a conflict row: {earlier} then {later}"


def _concurrent_pairs(edits: list[Edit]) -> list[tuple[Edit, Edit]]:
    """(later, earlier) final edits of two tools on one field, where the later tool had not
    received the earlier edit (see Received) and set another value. (An edit its own tool
    overwrote before the hub could look is invisible to any sync, so only each tool's last
    edit counts.)"""
    last: dict[tuple[int, str, str], Edit] = {}
    for e in edits:
        if e.field not in OWNER:
            last[(e.task, e.field, e.tool)] = e
    pairs = []
    for a in last.values():
        for b in last.values():
            if (a.task, a.field) == (b.task, b.field) and a.at < b.at and a.tool != b.tool \
                    and a.value != b.value and b.held != a.value and a.at not in b.knew:
                pairs.append((b, a))
    return pairs


async def _assert_no_loop(hub: Hub) -> None:
    calls = {cid: dict(t.calls) for cid, t in hub.tools.items()}
    for cid in TOOLS:
        await hub.poll(cid, full=True)
        await hub.deliver_all(cid)
        await read_threads(hub.rt, cid)
    assert await hub.push_once() == []
    for cid, tool in hub.tools.items():
        for verb in ("push", "create", "comment_create", "comment_update", "comment_delete"):
            assert tool.calls.get(verb, 0) == calls[cid].get(verb, 0), \
                f"{cid} was written again ({verb})"


@settings(max_examples=int(os.environ.get("HUB_CONVERGENCE_EXAMPLES", "120")), deadline=None,
          derandomize=os.environ.get("CI") == "true",
          suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps)
# Counterexamples hypothesis found, kept as fixed regressions:
# a tool "re-setting" the value it already holds is no edit (tools don't report it);
@example(plan=[("edit", "a", 0, "priority", 0), ("edit", "b", 0, "priority", 1)])
# a webhook lost while the next poll fails: the edit arrives with a later, successful poll;
@example(plan=[("edit", "b", 1, "title", 3), ("fault", "b", "timeout_after_apply"),
               ("deliver", "b", "drop_first")])
# concurrent edits on both sides before either is seen: the later one wins everywhere;
@example(plan=[("edit", "a", 1, "status", 1), ("edit", "c", 1, "status", 2),
               ("edit", "b", 1, "status", 1)])
# a tool re-setting the hub's value later makes it newer than an older concurrent edit;
@example(plan=[("edit", "a", 0, "status", 1), ("tick", 5), ("edit", "b", 0, "status", 4),
               ("deliver", "b", "in_order"), ("push", 2), ("deliver", "a", "reversed")])
# an edit the hub read (b: high) is what conflicts with an older one; b's next edit is not;
@example(plan=[("edit", "a", 1, "priority", 0), ("edit", "b", 1, "priority", 2), ("poll", "b"),
               ("edit", "b", 1, "priority", 1)])
# read after b set it back to a's old value, that edit is the one a's concurrent edit lost to;
@example(plan=[("edit", "a", 1, "priority", 0), ("edit", "b", 1, "priority", 2),
               ("edit", "b", 1, "priority", 1), ("poll", "b"), ("poll", "a")])
# a tool that received the value and then edited twice made no concurrent edit;
@example(plan=[("edit", "a", 1, "priority", 0), ("poll", "a"), ("push", 4),
               ("edit", "b", 1, "priority", 2), ("edit", "b", 1, "priority", 3)])
# nor did one that received it through another tool's later edit (c saw a's, b saw c's).
@example(plan=[("edit", "a", 1, "priority", 0), ("fault", "b", "retriable"), ("poll", "a"),
               ("push", 1), ("edit", "c", 1, "priority", 2), ("poll", "c"), ("tick", 30),
               ("push", 1), ("edit", "b", 1, "priority", 3)])
def test_every_tool_converges_without_loss_loops_or_duplicates(plan: list[tuple[Any, ...]]) -> None:
    asyncio.run(_scenario(plan))
