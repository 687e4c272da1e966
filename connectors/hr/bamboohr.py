"""The BambooHR connector: people and their time off, read only.

Employees are followed through `GET /api/v1/employees/changed` (cursor: the latest
`lastChanged` seen, re-read a little behind), and the changed ones are read with
`GET /api/v1/employees/{id}?fields=` in batches, asking only for the fields the mapping maps.
Time off is read as a rolling window of `GET /api/v1/time_off/requests` (there is no change
feed for it). Webhooks (field-based or event) name the employees that changed; the hub reads
them back. People are referred to by e-mail: a manager (`reportsToId`) and the employee of a
time off request (`employeeId`) are resolved to their work e-mails here.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connectors.hr.client import API, BambooHRClient
from connectors.hr.config import BambooHRConfig
from hub.errors import Permanent
from hub.mapping import Mapping as FieldMapping
from hub.sdk.connector import (
    CheckResult,
    Connector,
    LinkRef,
    PollPage,
    RemoteRecord,
    WebhookDelivery,
    WebhookMalformed,
    WebhookRejected,
)
from hub.sdk.webhooks import read_body

EMPLOYEE, TIME_OFF = "employee", "time_off"
#: fields read when no mapping says which (name, e-mail, department, manager, status)
DEFAULT_FIELDS = ("displayName", "firstName", "lastName", "workEmail", "department",
                  "reportsToId", "status", "employmentStatus")
#: what the connector adds to an employee: the manager's e-mail, from `reportsToId`
MANAGER_EMAIL, MANAGER_ID = "reportsToEmail", "reportsToId"
#: what it adds to a time off request: the employee's e-mail, from `employeeId`
EMPLOYEE_EMAIL = "employeeEmail"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


class ChangedEmployee(_Lenient):
    id: str
    action: str | None = None


class EventData(_Lenient):
    employeeId: str


class WebhookBody(_Lenient):
    """A field-based (`employees`) or an event webhook (`type`, `data`): what the hub reads
    of either, checked at intake."""

    employees: list[ChangedEmployee] | None = None
    type: str | None = None
    data: EventData | None = None


class BambooHRConnector(Connector[BambooHRConfig]):
    """Employees and time off of one company. Cursor: JSON of the latest `lastChanged` seen
    and when the time off window was last read."""

    kind: ClassVar[str] = "bamboohr"
    config_model = BambooHRConfig
    remote_types: ClassVar[Mapping[str, str]] = {EMPLOYEE: "person", TIME_OFF: "absence"}

    def __init__(self, connector_id: str, config: BambooHRConfig) -> None:
        super().__init__(connector_id, config)
        self.client = BambooHRClient(config)
        self.fields: tuple[str, ...] = DEFAULT_FIELDS
        #: the clock webhook timestamps are checked against (seconds since 1970)
        self.clock: Callable[[], float] = time.time
        self._emails: dict[str, str | None] = {}  # employee id -> work e-mail

    def use_mapping(self, mapping: FieldMapping) -> None:
        """Read exactly the employee fields the mapping maps (and what they need)."""
        employee = mapping.types.get(EMPLOYEE)
        if employee is None:
            return
        wanted = {str(rule.path).split(".")[0].split("[")[0] for rule in employee.rules
                  if rule.reads}
        if MANAGER_EMAIL in wanted:
            wanted = (wanted - {MANAGER_EMAIL}) | {MANAGER_ID}
        self.fields = tuple(sorted(wanted | {"workEmail"}))

    # -- reading ---------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        now = datetime.now(UTC).replace(microsecond=0)
        await self.client.get_json(f"{API}/employees/changed", {"since": now.isoformat()})
        detail = f"employees' change feed readable at {self.config.base_url}"
        if self.config.time_off.enabled:
            await self.client.get_json(f"{API}/time_off/requests", {
                "start": now.date().isoformat(), "end": now.date().isoformat(),
                "excludeNote": "1"})
            detail += "; time off readable"
        return CheckResult(True, detail)

    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        state = json.loads(cursor) if cursor else {}
        since = _parse(state.get("employees"))
        start = since - self.config.poll.overlap if since else _EPOCH
        feed = await self.client.get_json(f"{API}/employees/changed",
                                          {"since": start.isoformat()})
        entries = sorted((feed.get("employees") or {}).values(),
                         key=lambda e: (str(e.get("lastChanged")), str(e.get("id"))))
        latest = max([t for t in (_parse(e.get("lastChanged")) for e in entries) if t]
                     + ([since] if since else []), default=None)
        gone = [RemoteRecord(EMPLOYEE, str(e["id"]), {}, deleted=True)
                for e in entries if e.get("action") == "Deleted"]
        live = [str(e["id"]) for e in entries if e.get("action") != "Deleted"]
        size = self.config.batch_size
        for begin in range(0, len(live), size):
            # No cursor until every batch is in: a crash reads the feed again from `since`.
            yield PollPage(await self._employees(live[begin:begin + size]), None)
        if latest:
            state["employees"] = latest.isoformat()
        records = gone
        read_at = _parse(state.get("time_off_read_at"))
        now = datetime.now(UTC)
        if self.config.time_off.enabled and (
                read_at is None or now - read_at >= self.config.time_off.every):
            records += await self._time_off(self._window(now.date()))
            state["time_off_read_at"] = now.isoformat()
        yield PollPage(records, json.dumps(state, sort_keys=True))

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        if remote_type == EMPLOYEE:
            return await self._employees(remote_ids)
        if remote_type == TIME_OFF:
            records = [r for rid in remote_ids for r in await self._time_off(
                (date(1900, 1, 1), date(2999, 12, 31)), request_id=rid)]
            found = {r.remote_id for r in records}
            return records + [RemoteRecord(TIME_OFF, rid, {}, deleted=True)
                              for rid in remote_ids if rid not in found]
        raise NotImplementedError(f"bamboohr has no remote type {remote_type!r}")

    async def _employees(self, ids: list[str]) -> list[RemoteRecord]:
        """The employees' current fields (a missing one is a deletion), managers resolved."""
        params = {"fields": ",".join(self.fields), "onlyCurrent": "true"}

        async def one(employee_id: str) -> dict[str, Any] | None:
            try:
                found = await self.client.get_json(f"{API}/employees/{employee_id}", params)
            except Permanent as exc:
                if exc.status == 404:
                    return None
                raise
            return dict(found)

        payloads = await asyncio.gather(*(one(i) for i in ids))
        for payload in payloads:
            if payload is not None and "workEmail" in payload:
                self._emails[str(payload["id"])] = _email(payload.get("workEmail"))
        if MANAGER_ID in self.fields:
            managers = {str(p[MANAGER_ID]) for p in payloads if p and p.get(MANAGER_ID)}
            emails = await self._emails_of(managers)
            for payload in payloads:
                if payload is not None:
                    manager = payload.get(MANAGER_ID)
                    payload[MANAGER_EMAIL] = emails.get(str(manager)) if manager else None
        seen = datetime.now(UTC)
        return [self._employee_record(i, p, seen) for i, p in zip(ids, payloads, strict=True)]

    def _employee_record(self, employee_id: str, payload: dict[str, Any] | None,
                         seen: datetime) -> RemoteRecord:
        if payload is None:
            return RemoteRecord(EMPLOYEE, employee_id, {}, deleted=True)
        # BambooHR stamps changes to the second and has no version: a full read stands as of
        # the moment it was made, so two changes within one second are not taken for one.
        return RemoteRecord(EMPLOYEE, employee_id, payload, updated_at=seen,
                            url=f"{self.config.base_url.rstrip('/')}/employees/employee.php"
                                f"?id={employee_id}")

    async def _emails_of(self, ids: Iterable[str]) -> dict[str, str | None]:
        """Work e-mails of these employees, read once and remembered."""
        missing = [i for i in ids if i not in self._emails]

        async def one(employee_id: str) -> None:
            try:
                found = await self.client.get_json(f"{API}/employees/{employee_id}",
                                                   {"fields": "workEmail"})
            except Permanent as exc:
                if exc.status != 404:
                    raise
                found = {}
            self._emails[employee_id] = _email(found.get("workEmail"))

        await asyncio.gather(*(one(i) for i in missing))
        return {i: self._emails.get(i) for i in ids}

    def _window(self, today: date) -> tuple[date, date]:
        return (today - timedelta(days=self.config.time_off.past_days),
                today + timedelta(days=self.config.time_off.future_days))

    async def _time_off(self, window: tuple[date, date],
                        request_id: str | None = None) -> list[RemoteRecord]:
        """Time off requests overlapping `window`, each with its employee's e-mail. Notes
        stay in BambooHR (`excludeNote`): they are the employee's own words."""
        params = {"start": window[0].isoformat(), "end": window[1].isoformat(),
                  "excludeNote": "1"}
        if request_id is not None:
            params["id"] = request_id
        requests = await self.client.get_json(f"{API}/time_off/requests", params)
        emails = await self._emails_of({str(r["employeeId"]) for r in requests
                                        if r.get("employeeId") is not None})
        seen = datetime.now(UTC)
        records = []
        for request in requests:
            payload = {k: v for k, v in request.items() if k not in ("notes", "actions")}
            payload[EMPLOYEE_EMAIL] = emails.get(str(request.get("employeeId")))
            # Only the date of a status change is given: the read stands as of its moment.
            records.append(RemoteRecord(TIME_OFF, str(request["id"]), payload, updated_at=seen))
        return records

    # -- webhooks --------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       url: str = "") -> None:
        keys = [k.get_secret_value() for k in [self.config.webhook.secret] if k is not None]
        keys += sorted(self.webhook_secrets)
        if not keys:
            raise WebhookRejected(f"{self.connector_id} has no webhook secret (the webhook's "
                                  "private key) configured")
        stamp = _header(headers, "x-bamboohr-timestamp")
        given = _header(headers, "x-bamboohr-signature")
        if not stamp or not given:
            raise WebhookRejected("missing X-BambooHR-Signature or X-BambooHR-Timestamp")
        signed = body + stamp.encode()
        # Every key is compared, in constant time: how far a forgery got must not show.
        matches = [hmac.compare_digest(
            hmac.new(k.encode(), signed, hashlib.sha256).hexdigest().encode(),
            given.strip().lower().encode()) for k in keys]
        if not any(matches):
            raise WebhookRejected("invalid X-BambooHR-Signature")
        try:
            sent = float(stamp)
        except ValueError:
            sent = math.nan
        if not math.isfinite(sent):  # "nan" would pass any tolerance check
            raise WebhookRejected("X-BambooHR-Timestamp is not a time")
        tolerance = self.config.webhook.tolerance.total_seconds()
        if abs(self.clock() - sent) > tolerance:
            raise WebhookRejected(f"X-BambooHR-Timestamp is more than {tolerance:g}s away "
                                  "from now: an old delivery replayed, or a wrong clock")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        event = read_body(WebhookBody, body, "BambooHR webhook")
        if event.employees is not None:  # field-based: employee_with_fields.*
            entries = [(e.id, e.action) for e in event.employees]
        elif event.type is not None and event.data is not None:  # employee.created / ...
            entries = [(event.data.employeeId,
                        "Deleted" if event.type.endswith(".deleted") else "Updated")]
        else:
            raise WebhookMalformed("not a BambooHR webhook delivery: it has neither "
                                   "`employees` (a field-based webhook) nor `type` and `data` "
                                   "(an event webhook)")
        records = [RemoteRecord(EMPLOYEE, employee_id, {}, deleted=action == "Deleted")
                   for employee_id, action in entries]
        # The same body is the same delivery (BambooHR re-signs each retry with a new time).
        return WebhookDelivery(delivery_id="bamboohr:" + hashlib.sha256(body).hexdigest(),
                               records=records, needs_fetch=True)

    # -- writing ---------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        raise Permanent(f"{self.connector_id}: BambooHR is read-only for the hub; change "
                        "people in BambooHR itself", status=405)

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        raise Permanent(f"{self.connector_id}: BambooHR is read-only for the hub; the hub "
                        "creates no employees", status=405)

    async def aclose(self) -> None:
        await self.client.aclose()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _email(value: Any) -> str | None:
    return str(value).strip().casefold() or None if value else None
