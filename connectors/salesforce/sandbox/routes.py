"""The sandbox's REST data API under /services/data/vNN.N: query, queryAll (batches through
`nextRecordsUrl`), sObjects by id and by external id, getUpdated, getDeleted, limits."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.salesforce.sandbox import soql
from connectors.salesforce.sandbox.objects import (
    EXTERNAL_IDS,
    PREFIXES,
    RECYCLE_DAYS,
    FieldErrors,
    describe,
    flat_value,
    known_field,
    stamp,
    view,
)

if TYPE_CHECKING:
    from connectors.salesforce.sandbox.app import SalesforceSandbox

_VERSION = re.compile(r"[0-9]{2}\.0")
_BATCH = re.compile(r"batchSize=([0-9]+)")
#: getUpdated covers 30 days, getDeleted 15
UPDATED_DAYS = 30


def data_routes(sf: SalesforceSandbox, api: APIRouter) -> None:
    """Add the data API's routes to `api` (mounted at /services/data)."""

    def base(version: str) -> str:
        if not _VERSION.fullmatch(version):
            raise sf.sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return f"/services/data/v{version}"

    def sobject_of(name: str) -> str:
        if name not in PREFIXES:
            raise sf.sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        return name

    def live(sobject: str, record_id: str) -> dict[str, Any]:
        record = sf.org.find(sobject, record_id)
        if record is None:
            raise sf.sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        if record["IsDeleted"]:
            raise sf.sf_error(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise sf.sf_error(400, "JSON_PARSER_ERROR", "The request body is not valid "
                                                       "JSON") from None
        if not isinstance(body, dict):
            raise sf.sf_error(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of "
                                                       "SObject from a non-object")
        return body

    def run_query(request: Request, version: str, q: str, all_rows: bool) -> dict[str, Any]:
        prefix = base(version)
        try:
            query = soql.parse(q)
        except soql.MalformedQuery as exc:
            raise sf.sf_error(400, "MALFORMED_QUERY", str(exc)) from None
        if query.sobject not in PREFIXES:
            raise sf.sf_error(400, "INVALID_TYPE", f"sObject type '{query.sobject}' is not "
                                                   "supported.")
        for name in [*query.fields, *query.where_fields, *(o[0] for o in query.order)]:
            if not known_field(query.sobject, name):
                raise sf.sf_error(400, "INVALID_FIELD", f"No such column '{name}' on entity "
                                                        f"'{query.sobject}'.")
        with sf.lock:
            sf.org.purge()
            rows = [r for r in sf.org.records[query.sobject].values()
                    if all_rows or not r["IsDeleted"]]
            if query.where is not None:
                where = query.where
                rows = [r for r in rows if where(_flat(sf, r, query.where_fields))]
            for name, descending in reversed(query.order):
                rows.sort(key=lambda r, n=name: soql.sort_key(  # type: ignore[misc]
                    _flat(sf, r, {n}), n), reverse=descending)
            rows = rows[query.offset:]
            if query.limit is not None:
                rows = rows[:query.limit]
            shown = [view(sf.org, query.sobject, r, query.fields, prefix) for r in rows]
        found = _BATCH.search(request.headers.get("sforce-query-options", ""))
        size = min(max(int(found.group(1)), 200), 2000) if found else 2000
        return batch(prefix, "queryAll" if all_rows else "query", shown, 0, size,
                     secrets.token_hex(8))

    def batch(prefix: str, kind: str, rows: list[dict[str, Any]], start: int, size: int,
              locator: str) -> dict[str, Any]:
        page = rows[start:start + size]
        done = start + size >= len(rows)
        answer: dict[str, Any] = {"totalSize": len(rows), "done": done, "records": page}
        if not done:
            sf.locators[locator] = (rows, size)
            answer["nextRecordsUrl"] = f"{prefix}/{kind}/01g{locator}-{start + size}"
        elif locator in sf.locators:
            del sf.locators[locator]
        return answer

    def more(version: str, kind: str, locator: str) -> dict[str, Any]:
        found = re.fullmatch(r"01g([0-9a-f]+)-([0-9]+)", locator)
        held = sf.locators.get(found.group(1)) if found else None
        if found is None or held is None:
            raise sf.sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, size = held
        return batch(base(version), kind, rows, int(found.group(2)), size, found.group(1))

    @api.get("/v{version}/query")
    async def query(request: Request, version: str, q: str) -> dict[str, Any]:
        return run_query(request, version, q, False)

    @api.get("/v{version}/queryAll")
    async def query_all(request: Request, version: str, q: str) -> dict[str, Any]:
        return run_query(request, version, q, True)

    @api.get("/v{version}/query/{locator}")
    async def query_more(version: str, locator: str) -> dict[str, Any]:
        return more(version, "query", locator)

    @api.get("/v{version}/queryAll/{locator}")
    async def query_all_more(version: str, locator: str) -> dict[str, Any]:
        return more(version, "queryAll", locator)

    @api.get("/v{version}/limits")
    async def limits(version: str) -> dict[str, Any]:
        base(version)
        return {"DailyApiRequests": {"Max": sf.daily_limit,
                                     "Remaining": max(sf.daily_limit - sf.used, 0)},
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000}}

    @api.get("/v{version}/sobjects")
    @api.get("/v{version}/sobjects/")
    async def describe_global(version: str) -> dict[str, Any]:
        prefix = base(version)
        return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [
            {"name": name, "keyPrefix": key, "queryable": True, "updateable": True,
             "urls": {"sobject": f"{prefix}/sobjects/{name}"}}
            for name, key in PREFIXES.items()]}

    @api.get("/v{version}/sobjects/{sobject}/describe")
    @api.get("/v{version}/sobjects/{sobject}/describe/")
    async def describe_object(version: str, sobject: str) -> dict[str, Any]:
        base(version)
        return describe(sobject_of(sobject))

    @api.get("/v{version}/sobjects/{sobject}/updated")
    @api.get("/v{version}/sobjects/{sobject}/updated/")
    async def updated(version: str, sobject: str, start: str, end: str) -> dict[str, Any]:
        base(version)
        first, last = window(sobject_of(sobject), start, end, UPDATED_DAYS)
        with sf.lock:
            ids = [r["Id"] for r in sf.org.records[sobject].values() if not r["IsDeleted"]
                   and first <= soql.parse_time(r["SystemModstamp"]) <= last]
        return {"ids": ids, "latestDateCovered": stamp(last.timestamp())}

    @api.get("/v{version}/sobjects/{sobject}/deleted")
    @api.get("/v{version}/sobjects/{sobject}/deleted/")
    async def deleted(version: str, sobject: str, start: str, end: str) -> dict[str, Any]:
        base(version)
        first, last = window(sobject_of(sobject), start, end, RECYCLE_DAYS)
        with sf.lock:
            sf.org.purge()
            gone = sf.org.deleted_between(sobject, first, last)
        earliest = datetime.fromtimestamp(sf.clock(), UTC) - timedelta(days=RECYCLE_DAYS)
        return {"deletedRecords": gone, "earliestDateAvailable": stamp(earliest.timestamp()),
                "latestDateCovered": stamp(last.timestamp())}

    def window(sobject: str, start: str, end: str, days: int) -> tuple[datetime, datetime]:
        try:
            first, last = soql.parse_time(start), soql.parse_time(end)
        except ValueError:
            raise sf.sf_error(400, "MALFORMED_QUERY", "start and end must be date-times "
                                                      "(e.g. 2026-05-01T09:00:00+00:00)") from None
        now = datetime.fromtimestamp(sf.clock(), UTC)
        if first < now - timedelta(days=days):
            raise sf.sf_error(400, "INVALID_REPLICATION_DATE",
                              f"startDate cannot be more than {days} days ago")
        if last < first:
            raise sf.sf_error(400, "INVALID_REPLICATION_DATE", "endDate before startDate")
        return first, min(last, now)

    @api.post("/v{version}/sobjects/{sobject}", status_code=201)
    @api.post("/v{version}/sobjects/{sobject}/", status_code=201)
    async def create(request: Request, version: str, sobject: str) -> dict[str, Any]:
        base(version)
        values = await body_of(request)
        with sf.lock:
            try:
                record = sf.org.create(sobject_of(sobject), values)
            except FieldErrors as exc:
                raise sf.field_errors(exc) from None
        return {"id": record["Id"], "success": True, "errors": []}

    @api.get("/v{version}/sobjects/{sobject}/{record_id}")
    async def read(version: str, sobject: str, record_id: str,
                   fields: str | None = None) -> dict[str, Any]:
        prefix = base(version)
        names = [f.strip() for f in fields.split(",")] if fields else None
        with sf.lock:
            record = live(sobject_of(sobject), record_id)
            return view(sf.org, sobject, record, names, prefix)

    @api.patch("/v{version}/sobjects/{sobject}/{record_id}", status_code=204)
    async def update(request: Request, version: str, sobject: str, record_id: str) -> Response:
        base(version)
        values = await body_of(request)
        with sf.lock:
            record = live(sobject_of(sobject), record_id)
            try:
                sf.org.update(sobject, record, values)
            except FieldErrors as exc:
                raise sf.field_errors(exc) from None
        return Response(status_code=204)

    @api.delete("/v{version}/sobjects/{sobject}/{record_id}", status_code=204)
    async def remove(version: str, sobject: str, record_id: str) -> Response:
        base(version)
        with sf.lock:
            sf.org.delete(live(sobject_of(sobject), record_id))
        return Response(status_code=204)

    @api.get("/v{version}/sobjects/{sobject}/{field}/{value}")
    async def read_external(version: str, sobject: str, field: str,
                            value: str) -> dict[str, Any]:
        prefix = base(version)
        with sf.lock:
            found = by_external(sobject_of(sobject), field, value)
            if not found:
                raise sf.sf_error(404, "NOT_FOUND", "The requested resource does not exist")
            return view(sf.org, sobject, found[0], None, prefix)

    @api.patch("/v{version}/sobjects/{sobject}/{field}/{value}")
    async def upsert(request: Request, version: str, sobject: str, field: str,
                     value: str) -> JSONResponse:
        base(version)
        values = await body_of(request)
        with sf.lock:
            found = by_external(sobject_of(sobject), field, value)
            try:
                if found:
                    sf.org.update(sobject, found[0], values)
                    return JSONResponse({"id": found[0]["Id"], "success": True, "errors": [],
                                         "created": False}, 200)
                record = sf.org.create(sobject, {**values, field: value})
            except FieldErrors as exc:
                raise sf.field_errors(exc) from None
        return JSONResponse({"id": record["Id"], "success": True, "errors": [],
                             "created": True}, 201)

    def by_external(sobject: str, field: str, value: str) -> list[dict[str, Any]]:
        if field not in EXTERNAL_IDS and field != "Id":
            raise sf.sf_error(404, "NOT_FOUND", f"Provided external ID field does not exist "
                                                f"or is not accessible: {field}")
        if field == "Id":
            record = sf.org.find(sobject, value)
            return [record] if record and not record["IsDeleted"] else []
        found = sf.org.by_external_id(sobject, field, value)
        if len(found) > 1:
            raise sf.sf_error(300, "MULTIPLE_CHOICES", "More than one record found for "
                                                       f"{field}: {value}")
        return found


def _flat(sf: SalesforceSandbox, record: dict[str, Any], names: set[str]) -> dict[str, Any]:
    if not any("." in n for n in names):
        return record
    return {**record, **{n: flat_value(sf.org, record, n) for n in names if "." in n}}
