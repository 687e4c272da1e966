"""The Salesforce connector: accounts and opportunities, read incrementally on SystemModstamp
(with an overlap), deletions from getDeleted within its 15-day window (past it, a scan of the
recycle bin, and `list_ids` for the engine's delete scan), writes by id and creates as upserts on
the hub's External ID field, so a retried create never duplicates a record."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from connectors.salesforce.client import Refused, SalesforceClient
from connectors.salesforce.config import SalesforceConfig
from connectors.salesforce.records import fields, parse_time, soql_time, to_record
from hub.errors import Permanent, Retriable
from hub.sdk.connector import (
    CheckResult,
    Connector,
    FieldsRefused,
    LinkRef,
    PollPage,
    PollProgress,
    RemoteRecord,
)

#: getDeleted answers for the last 15 days; a margin keeps a slow poll inside the window
DELETED_WINDOW = timedelta(days=15) - timedelta(hours=1)
#: ids per `WHERE Id IN (...)` (SOQL's statement length is the limit)
_IN_CHUNK = 200


class SalesforceConnector(Connector[SalesforceConfig]):
    """Accounts and opportunities of one org. Cursor: JSON `{"since": {sObject: newest
    SystemModstamp read}, "deleted": {sObject: end of the last getDeleted window}}`."""

    kind: ClassVar[str] = "salesforce"
    config_model = SalesforceConfig
    remote_types: ClassVar[Mapping[str, str]] = {"Account": "account",
                                                 "Opportunity": "opportunity"}
    default_mapping: ClassVar[Path | None] = Path(__file__).with_name("mapping.yaml")

    def __init__(self, connector_id: str, config: SalesforceConfig) -> None:
        super().__init__(connector_id, config)
        self.client = SalesforceClient(config)
        #: the org's time, for getDeleted windows (a test org's clock in tests)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def check(self) -> CheckResult:
        limits = await self.client.run(lambda sf: sf.limits())
        daily = limits.get("DailyApiRequests") or {}
        used = int(daily.get("Max", 0)) - int(daily.get("Remaining", 0))
        return CheckResult(True, f"{self.config.instance_url}: {used} of {daily.get('Max')} "
                                 "API calls used today")

    # -- reading ------------------------------------------------------------------------------
    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        state: dict[str, Any] = json.loads(cursor) if cursor else {}
        since: dict[str, str] = state.setdefault("since", {})
        checked: dict[str, str] = state.setdefault("deleted", {})
        for sobject in self.config.objects:
            start = parse_time(since.get(sobject))
            async for records, progress in self._changed(sobject, start):
                newest = max((r.updated_at for r in records if r.updated_at), default=None)
                if newest is not None and (start is None or newest > start):
                    start = newest
                    since[sobject] = newest.isoformat()
                yield PollPage(records, json.dumps(state), progress=progress)
            gone, covered = await self._deleted(sobject, parse_time(checked.get(sobject)))
            checked[sobject] = covered.isoformat()
            yield PollPage(gone, json.dumps(state))

    async def _changed(self, sobject: str, start: datetime | None
                       ) -> AsyncIterator[tuple[list[RemoteRecord], PollProgress]]:
        """Batches of records changed since `start` (less the overlap), oldest first. Stops
        with a `Retriable` when the day's API allocation runs into the reserve: the batches
        read so far are committed, and the next poll goes on from there."""
        where = ""
        if start is not None:
            where = f" WHERE SystemModstamp >= {soql_time(start - self.config.poll.overlap)}"
        # SOQL from the config's names and our own time literal: nothing from outside.
        soql = f"SELECT {', '.join(fields(self.config, sobject))} FROM {sobject}{where} " \
               "ORDER BY SystemModstamp, Id"  # noqa: S608
        headers = {"Sforce-Query-Options": f"batchSize={self.config.batch_size}"}
        answer = await self.client.run(lambda sf: sf.query(soql, headers=headers))
        read = 0
        while True:
            records = [to_record(self.config, row) for row in answer.get("records", [])]
            read += len(records)
            next_url = answer.get("nextRecordsUrl")
            last = bool(answer.get("done", True)) or not next_url
            stop = not last and self.client.near_limit()
            more: asyncio.Future[Any] | None = None
            if not last and not stop:
                # The next batch is read while the engine stores this one.
                more = asyncio.ensure_future(self.client.run(_more(str(next_url), headers)))
                more.add_done_callback(_consumed)
            try:
                yield records, PollProgress(read, int(answer.get("totalSize") or read),
                                            f"{sobject.lower()} records")
            except BaseException:
                if more is not None:
                    more.cancel()
                raise
            if stop:
                usage = self.client.usage
                assert usage is not None
                raise Retriable(
                    f"salesforce: {usage.used} of {usage.allowed} API calls used today and "
                    f"{self.config.api_reserve} are kept for others: the {sobject} backfill "
                    f"stopped after {read} records and goes on at the next poll",
                    retry_after=self.config.limit_wait.total_seconds())
            if more is None:
                return
            answer = await more

    async def _deleted(self, sobject: str,
                       checked: datetime | None) -> tuple[list[RemoteRecord], datetime]:
        """Records deleted since the last window, and where this one ends. The first poll
        reads live records only: nothing to delete yet. Past getDeleted's 15 days, the
        recycle bin is scanned instead (`list_ids` lets the engine's delete scan find the
        ones already purged from it)."""
        now = self.clock()
        if checked is None:
            return [], now
        if now - checked < DELETED_WINDOW:
            begin = checked - self.config.poll.overlap
            answer = await self.client.run(lambda sf: getattr(sf, sobject).deleted(begin, now))
            rows = [(r["id"], r.get("deletedDate")) for r in answer.get("deletedRecords", [])]
            covered = parse_time(answer.get("latestDateCovered")) or now
        else:
            soql = f"SELECT Id, SystemModstamp FROM {sobject} WHERE IsDeleted = true"  # noqa: S608
            answer = await self.client.run(lambda sf: sf.query_all(soql, include_deleted=True))
            rows = [(r["Id"], r.get("SystemModstamp")) for r in answer.get("records", [])]
            covered = now
        return [RemoteRecord(sobject, str(rid), {}, updated_at=parse_time(when) or now,
                             deleted=True) for rid, when in rows], covered

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        sobject = self._sobject(remote_type)
        found: dict[str, RemoteRecord] = {}
        for start in range(0, len(remote_ids), _IN_CHUNK):
            chunk = remote_ids[start:start + _IN_CHUNK]
            quoted = ", ".join("'" + i.replace("\\", "").replace("'", "") + "'" for i in chunk)
            soql = f"SELECT {', '.join(fields(self.config, sobject))} FROM {sobject} " \
                   f"WHERE Id IN ({quoted})"  # noqa: S608 - ids quoted, quotes taken out
            answer = await self.client.run(_query_all(soql))
            for row in answer.get("records", []):
                record = to_record(self.config, row)
                found[record.remote_id] = record
        # An id the org no longer has (deleted, purged) comes back as a tombstone.
        return [found.get(rid) or RemoteRecord(sobject, rid, {}, deleted=True)
                for rid in remote_ids]

    async def list_ids(self, remote_type: str) -> set[str]:
        sobject = self._sobject(remote_type)
        answer = await self.client.run(_query_all(f"SELECT Id FROM {sobject}"))  # noqa: S608
        return {str(r["Id"]) for r in answer.get("records", [])}

    async def find_by_hub_id(self, remote_type: str, hub_id: str) -> RemoteRecord | None:
        sobject = self._sobject(remote_type)
        try:
            row = await self.client.run(lambda sf: getattr(sf, sobject).get_by_custom_id(
                self.config.hub_id_field, hub_id))
        except Permanent as exc:
            if exc.status == 404:
                return None
            raise
        return await self._read(sobject, str(row["Id"]))

    # -- writing ------------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        sobject = self._sobject(link.remote_type)
        body = dict(patch)
        try:
            if body:
                await self.client.run(lambda sf: getattr(sf, sobject).update(link.remote_id,
                                                                             body))
        except Refused as exc:
            raise _refused_fields(exc, body) from None
        return await self._read(sobject, link.remote_id)

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        sobject = self._sobject(remote_type)
        body = {k: v for k, v in values.items() if k != self.config.hub_id_field}
        key = f"{self.config.hub_id_field}/{hub_id}"
        try:
            # An upsert on the hub's id: a retry after a lost answer updates, never duplicates.
            await self.client.run(lambda sf: getattr(sf, sobject).upsert(key, body))
        except Refused as exc:
            raise _refused_fields(exc, body) from None
        found = await self.find_by_hub_id(remote_type, hub_id)
        if found is None:
            raise Retriable(f"salesforce: the {sobject} upserted for {hub_id} is not readable "
                            "yet")
        return found

    async def _read(self, sobject: str, record_id: str) -> RemoteRecord:
        names = fields(self.config, sobject)
        row = await self.client.run(lambda sf: getattr(sf, sobject).get(
            record_id, params={"fields": ",".join(names)}))
        return to_record(self.config, {**row, "attributes": {"type": sobject}})

    def _sobject(self, remote_type: str) -> str:
        if remote_type not in self.remote_types:
            raise Permanent(f"salesforce: {remote_type!r} is not an object this connector "
                            f"reads (one of {', '.join(self.remote_types)})", status=400)
        return remote_type

    async def aclose(self) -> None:
        await self.client.aclose()


def _refused_fields(exc: Refused, body: Mapping[str, Any]) -> Permanent:
    """Salesforce's field-level errors as per-field refusals; others stay one refusal."""
    named = {name: f"{e.get('errorCode')}: {e.get('message')}"
             for e in exc.errors for name in e.get("fields") or [] if name in body}
    if named and exc.status == 400:
        return FieldsRefused(named, status=400)
    return exc



def _query_all(soql: str) -> Callable[[Any], Any]:
    """A call that reads every batch of a query (deleted rows too, where the query asks)."""
    return lambda sf: sf.query_all(soql)


def _more(url: str, headers: dict[str, str]) -> Callable[[Any], Any]:
    """A call that reads the batch at `nextRecordsUrl`."""
    return lambda sf: sf.query_more(url, identifier_is_url=True, headers=headers)


def _consumed(future: asyncio.Future[Any]) -> None:
    """A prefetched batch nobody awaited (the poll was closed): its error is not news."""
    if not future.cancelled():
        future.exception()
