"""The comment verbs of the conformance suite (`ConnectorConformance` includes them): for
connectors whose tool has comments (`hub.sdk.comments.CommentVerbs`), what the engine relies on
to carry comments between tools. A driver that can't comment as a person leaves
`user_comment` at its default and the tests that need it skip."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from hub.errors import Permanent
from hub.sdk.comments import CommentVerbs, CommentWrite
from hub.sdk.connector import LinkRef

if TYPE_CHECKING:
    from hub.testing.conformance import SandboxDriver

#: text with what must survive a round trip: paragraphs, a line break, a link, a bare URL
ROUND_TRIP = ("Ana Lima (in Jira): the spec is final, see [the doc](https://wiki.example/spec)"
              "\nand https://example.com/a\n\nSecond paragraph.")


def _verbs(driver: SandboxDriver, connector: Any) -> CommentVerbs:
    if not isinstance(connector, CommentVerbs):
        pytest.skip(f"{type(connector).__name__} has no comment verbs")
    return connector


def _task(driver: SandboxDriver, connector: CommentVerbs) -> LinkRef:
    return LinkRef(connector.comment_parent_type, driver.user_create(), {})


@pytest.mark.anyio
class CommentConformance:
    """Comment verbs against the sandbox."""

    async def test_a_persons_comment_is_listed_as_theirs(self, driver: SandboxDriver,
                                                         connector: Any) -> None:
        verbs = _verbs(driver, connector)
        task = _task(driver, verbs)
        driver.user_comment(task.remote_id, "Looks good to me")
        [comment] = [c for c in await verbs.list_comments(task) if c.kind == "comment"]
        assert comment.body == "Looks good to me"
        assert not comment.by_hub
        assert comment.author_name
        assert comment.written_at is not None

    async def test_the_hubs_comment_is_known_as_its_own_and_keeps_its_text(
            self, driver: SandboxDriver, connector: Any) -> None:
        verbs = _verbs(driver, connector)
        task = _task(driver, verbs)
        made = await verbs.create_comment(task, CommentWrite(ROUND_TRIP))
        [listed] = [c for c in await verbs.list_comments(task) if c.kind == "comment"]
        assert (listed.remote_id, listed.body, listed.by_hub) == (made.remote_id, ROUND_TRIP,
                                                                  True)

    async def test_the_hub_edits_and_deletes_its_comment(self, driver: SandboxDriver,
                                                         connector: Any) -> None:
        verbs = _verbs(driver, connector)
        task = _task(driver, verbs)
        made = await verbs.create_comment(task, CommentWrite("Draft 1"))
        await verbs.update_comment(task, made.remote_id, CommentWrite("Draft 2"))
        assert [c.body for c in await verbs.list_comments(task)
                if c.kind == "comment"] == ["Draft 2"]
        await verbs.delete_comment(task, made.remote_id)
        assert [c for c in await verbs.list_comments(task) if c.kind == "comment"] == []
        await verbs.delete_comment(task, made.remote_id)  # gone already: no error

    async def test_comments_of_a_missing_object_are_permanent(self, driver: SandboxDriver,
                                                              connector: Any) -> None:
        verbs = _verbs(driver, connector)
        with pytest.raises(Permanent):
            await verbs.list_comments(LinkRef(verbs.comment_parent_type, "999999999", {}))
