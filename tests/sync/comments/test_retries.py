"""A copy the hub posted whose answer was lost (a timeout after the tool took it, a crash
before the link committed) is found again, not posted twice: by the retry, which reads the
thread first, or by the next read of the thread, which links the hub's own comment."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from hub.errors import Retriable
from hub.sdk.comments import CommentWrite, RemoteComment
from hub.sdk.connector import LinkRef
from hub.sync.comments.jobs import read_threads
from hub.testing.fake_comments import FakeComments, user_comment
from tests.sync.harness import Hub

pytestmark = pytest.mark.anyio
SYNC = {"entities": {"task": {"mirror": [{"from": "a", "to": "b"}]}}}


async def _hub_with_a_comment(engine: Engine) -> tuple[Hub, str]:
    hub = Hub(engine, ["a", "b"], SYNC)
    item = hub.tools["a"].user_create({"title": "Spec"}).remote_id
    await hub.poll("a")
    await hub.settle()
    user_comment(hub.tools["a"], item, "Ready for review", "ana.lima@example.com")
    await read_threads(hub.rt, "a")
    return hub, item


def _lose_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    original = FakeComments.create_comment

    async def posted_then_lost(self: Any, task: LinkRef, write: CommentWrite) -> RemoteComment:
        await original(self, task, write)
        monkeypatch.setattr(FakeComments, "create_comment", original)
        raise Retriable("read timeout (the comment was posted)")

    monkeypatch.setattr(FakeComments, "create_comment", posted_then_lost)


def _copies(hub: Hub) -> list[str]:
    return [c.text for c in hub.tools["b"].comments.values()]


async def test_the_retry_finds_the_copy_it_posted(engine: Engine,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    hub, _ = await _hub_with_a_comment(engine)
    _lose_the_answer(monkeypatch)
    assert [o.state for o in await hub.push_once()] == ["retry"]
    hub.clock.advance(3600)
    assert [o.state for o in await hub.push_once()] == ["done"]

    assert _copies(hub) == ["Ana.Lima (in Fake): Ready for review"]
    assert hub.tools["b"].calls["comment_create"] == 1


async def test_the_next_read_of_the_thread_links_the_hubs_own_comment(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    hub, _ = await _hub_with_a_comment(engine)
    _lose_the_answer(monkeypatch)
    await hub.push_once()
    tally = await read_threads(hub.rt, "b")
    hub.clock.advance(3600)
    outcomes = await hub.push_once()

    assert (tally.created, tally.linked) == (0, 1)  # never taken for a new comment
    assert [o.state for o in outcomes] == ["nothing"]
    assert _copies(hub) == ["Ana.Lima (in Fake): Ready for review"]
    assert hub.tools["b"].calls["comment_create"] == 1
