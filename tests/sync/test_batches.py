"""A poll's pages reach the database in batches: those that piled up while the database was
busy go in together, in order, with the last cursor; a failure comes after the pages before it,
and pages of two streams never share a batch (each stream has its own cursor)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.errors import Retriable
from hub.sdk.connector import PollPage, Rejected, RemoteRecord
from hub.sync.jobs import _batches

pytestmark = pytest.mark.anyio


def page(n: int, size: int = 3, stream: str = "default", rejected: int = 0) -> PollPage:
    records = [RemoteRecord("issue", f"{n}-{i}", {}) for i in range(size)]
    return PollPage(records, cursor=f"c{n}", stream=stream,
                    rejected=[Rejected("issue", f"{n}-bad{i}", "bad") for i in range(rejected)])


async def pages(*given: PollPage, fail: Exception | None = None) -> AsyncIterator[PollPage]:
    for p in given:
        yield p
    if fail is not None:
        raise fail


async def collect(source: AsyncIterator[PollPage], most: int = 1000) -> list[PollPage]:
    return [b async for b in _batches(source, ahead=10, most=most)]


async def test_pages_that_piled_up_go_in_together_in_order_with_the_last_cursor() -> None:
    batches = await collect(pages(page(1), page(2, rejected=1), page(3)))
    assert [[r.remote_id for r in b.records] for b in batches] == [
        ["1-0", "1-1", "1-2", "2-0", "2-1", "2-2", "3-0", "3-1", "3-2"]]
    assert batches[0].cursor == "c3"
    assert [r.remote_id for r in batches[0].rejected] == ["2-bad0"]


async def test_a_batch_holds_at_most_the_records_allowed() -> None:
    batches = await collect(pages(*(page(n) for n in range(1, 6))), most=7)
    assert [len(b.records) for b in batches] == [6, 6, 3]
    assert [b.cursor for b in batches] == ["c2", "c4", "c5"]


async def test_a_failure_comes_after_the_pages_read_before_it() -> None:
    got: list[PollPage] = []

    async def ingest() -> None:
        async for batch in _batches(pages(page(1), page(2), fail=Retriable("page 3: 503"))):
            got.append(batch)

    with pytest.raises(Retriable, match="page 3"):
        await ingest()
    assert [b.cursor for b in got] == ["c2"]  # committed with its cursor before the error


async def test_pages_of_two_streams_never_share_a_batch() -> None:
    batches = await collect(pages(page(1, stream="issues"), page(2, stream="issues"),
                                  page(3, stream="users"), page(4, stream="issues")))
    assert [(b.stream, b.cursor, len(b.records)) for b in batches] == [
        ("issues", "c2", 6), ("users", "c3", 3), ("issues", "c4", 3)]
