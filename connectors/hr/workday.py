"""The Workday custom report (Report-as-a-Service) connector: workers read whole from a report
URL as JSON or CSV, and diffed against the last snapshot, since Workday has no change feed.

The snapshot is the poll cursor: each worker's id and a hash of the columns the mapping reads.
A row whose hash changed is a change, a new id a new person, an id that vanished a person gone
from the report (a tombstone). Columns the mapping doesn't read are dropped on arrival: a
report may carry more than the hub should keep.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from connectors.hr.config import WorkdayReportConfig
from hub.errors import Permanent
from hub.mapping import Mapping as FieldMapping
from hub.sdk.connector import CheckResult, Connector, LinkRef, PollPage, RemoteRecord
from hub.sdk.http import ToolClient

log = logging.getLogger(__name__)
WORKER = "worker"
PAGE = 500


class WorkdayReportConnector(Connector[WorkdayReportConfig]):
    """Workers of one report. Cursor: JSON `{"rows": {worker id: hash of its row}}`."""

    kind: ClassVar[str] = "workday_report"
    config_model = WorkdayReportConfig
    remote_types: ClassVar[Mapping[str, str]] = {WORKER: "person"}

    def __init__(self, connector_id: str, config: WorkdayReportConfig) -> None:
        super().__init__(connector_id, config)
        auth: httpx.Auth | None = None
        headers = {"Accept": "text/csv" if config.format == "csv" else "application/json"}
        if config.username and config.password:
            auth = httpx.BasicAuth(config.username, config.password.get_secret_value())
        elif config.token:
            headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
        self.client = ToolClient("", name="workday", auth=auth, headers=headers,
                                 timeout=config.timeout.total_seconds(), concurrency=1,
                                 max_retries=config.max_retries, verify=config.verify_tls)
        self.columns: frozenset[str] | None = None  # None: keep every column

    def use_mapping(self, mapping: FieldMapping) -> None:
        """Keep only the columns the mapping reads (and the id)."""
        worker = mapping.types.get(WORKER)
        if worker is not None:
            self.columns = frozenset(
                {str(r.path).split(".")[0].split("[")[0] for r in worker.rules if r.reads}
                | {self.config.id_column})

    async def check(self) -> CheckResult:
        rows = await self._rows()
        return CheckResult(True, f"{len(rows)} workers in the report")

    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        before: dict[str, str] = (json.loads(cursor) if cursor else {}).get("rows", {})
        rows = await self._rows()
        now = datetime.now(UTC)
        hashes = {worker_id: _hash(row) for worker_id, row in rows.items()}
        changed = [RemoteRecord(WORKER, worker_id, row, updated_at=now)
                   for worker_id, row in rows.items() if before.get(worker_id) != hashes[worker_id]]
        gone = [RemoteRecord(WORKER, worker_id, {}, updated_at=now, deleted=True)
                for worker_id in before if worker_id not in rows]
        for start in range(0, len(changed), PAGE):
            yield PollPage(changed[start:start + PAGE], None)
        # The new snapshot is kept once every change is in.
        yield PollPage(gone, json.dumps({"rows": hashes}, sort_keys=True))

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        rows = await self._rows()
        now = datetime.now(UTC)
        return [RemoteRecord(WORKER, i, rows[i], updated_at=now) if i in rows
                else RemoteRecord(WORKER, i, {}, updated_at=now, deleted=True)
                for i in remote_ids]

    async def list_ids(self, remote_type: str) -> set[str]:
        return set(await self._rows())

    async def _rows(self) -> dict[str, dict[str, Any]]:
        """The report's rows by worker id, limited to the mapped columns."""
        response = await self.client.request("GET", self._url())
        if self.config.format == "csv":
            rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        else:
            body = response.json()
            rows = body.get("Report_Entry", []) if isinstance(body, dict) else body
        out: dict[str, dict[str, Any]] = {}
        for number, row in enumerate(rows, start=1):
            worker_id = str(row.get(self.config.id_column) or "").strip()
            if not worker_id:
                log.warning("%s: row %d has no %s; skipped", self.connector_id, number,
                            self.config.id_column)
                continue
            if worker_id in out:
                log.warning("%s: worker %s appears twice; the later row counts",
                            self.connector_id, worker_id)
            out[worker_id] = {k: v for k, v in row.items()
                              if self.columns is None or k in self.columns}
        return out

    def _url(self) -> str:
        if "format=" in self.config.url:
            return self.config.url
        separator = "&" if "?" in self.config.url else "?"
        return f"{self.config.url}{separator}format={self.config.format}"

    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        raise Permanent(f"{self.connector_id}: a Workday report is read-only for the hub",
                        status=405)

    async def aclose(self) -> None:
        await self.client.aclose()


def _hash(row: Mapping[str, Any]) -> str:
    text = json.dumps(row, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]
