"""The BambooHR API routes the sandbox serves, as shared/specs/bamboohr.yaml describes them:
the directory, one employee's fields, the change feed, time off requests, who's out, field
metadata, and webhooks. JSON only (`Accept: application/json`; a request for XML gets 406)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from connectors.hr.sandbox.http import ApiKey, BambooApiError, date_param, json_body
from connectors.hr.sandbox.model import (
    DIRECTORY_FIELDS,
    EMPLOYEE_FIELDS,
    HOLIDAYS,
    TIME_OFF_TYPES,
    iso_seconds,
    render_directory_entry,
    render_employee,
    render_request,
)
from connectors.hr.sandbox.webhooks import EMPLOYEE_EVENTS, FIELD_EVENTS, Webhook

if TYPE_CHECKING:
    from connectors.hr.sandbox import BambooHRSandbox

API = "/api/v1"
MAX_FIELDS = 400
_LOCAL_HOSTS = ("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")


def _json(request: Request, body: Any, status: int = 200) -> Response:
    accept = request.headers.get("accept", "")
    if "xml" in accept and "json" not in accept:
        raise BambooApiError(406, "This sandbox answers JSON only: send Accept: "
                                  "application/json")
    return JSONResponse(body, status)


def api_routes(sandbox: BambooHRSandbox) -> APIRouter:
    """Employees, the change feed, time off and metadata."""
    router = APIRouter(prefix=API)
    state = sandbox.state

    @router.get("/employees/directory")
    async def directory(request: Request, key: ApiKey) -> Response:
        only_current = request.query_params.get("onlyCurrent", "true").lower() != "false"
        today = state.today().isoformat()
        with state.lock:
            live = state.live()
            rows = [render_directory_entry(e, live) for e in live.values() if e.active and (
                not only_current or str(e.fields.get("hireDate") or "") <= today)]
        if not rows:
            raise BambooApiError(404, "The directory is empty.")
        fields = [{"id": i, "type": t, "name": n} for i, t, n in DIRECTORY_FIELDS]
        return _json(request, {"fields": fields, "employees": rows})

    @router.get("/employees/changed")
    async def changed(request: Request, key: ApiKey) -> Response:
        raw = request.query_params.get("since")
        if not raw:
            raise BambooApiError(400, "The 'since' parameter is required.")
        try:
            since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise BambooApiError(400, f"Invalid 'since' timestamp: {raw}") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        kind = request.query_params.get("type", "all")
        if kind not in ("inserted", "updated", "deleted", "all"):
            raise BambooApiError(400, f"Invalid 'type': {kind}")
        found = state.changed_since(since.timestamp(), kind)
        employees = {str(e.id): {"id": str(e.id), "action": e.action,
                                 "lastChanged": iso_seconds(e.last_changed)} for e in found}
        latest = iso_seconds(found[-1].last_changed) if found else \
            since.astimezone(UTC).isoformat(timespec="seconds")
        return _json(request, {"latest": latest, "employees": employees})

    @router.get("/employees/{employee_id}")
    async def employee(employee_id: str, request: Request, key: ApiKey) -> Response:
        wanted = [f.strip() for f in request.query_params.get(
            "fields", "firstName,lastName").split(",") if f.strip()]
        if len(wanted) > MAX_FIELDS:
            raise BambooApiError(400, f"At most {MAX_FIELDS} fields may be requested.")
        if employee_id == "0":
            employee_id = str(state.api_keys.get(key) or "")
        with state.lock:
            found = state.employee(employee_id)
            if found is None:
                raise BambooApiError(404, f"Employee {employee_id} not found.")
            sandbox.fields_asked.update(wanted)
            return _json(request, render_employee(found, wanted, state.live()))

    @router.get("/meta/fields")
    async def meta_fields(request: Request, key: ApiKey) -> Response:
        return _json(request, [{"id": n + 1, "name": name, "type": kind, "alias": name}
                               for n, (name, kind) in enumerate(EMPLOYEE_FIELDS.items())])

    @router.get("/meta/time_off/types")
    async def time_off_types(request: Request, key: ApiKey) -> Response:
        return _json(request, {"timeOffTypes": [
            {"id": i, "name": name, "units": "days", "color": None, "icon": icon,
             "source": "internal"} for i, (name, icon) in TIME_OFF_TYPES.items()],
            "defaultHours": [{"name": day, "amount": "8"} for day in (
                "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]})

    @router.get("/time_off/requests")
    async def time_off_requests(request: Request, key: ApiKey) -> Response:
        start, end = date_param(request, "start"), date_param(request, "end")
        query = request.query_params
        statuses = {s.strip() for s in query.get("status", "").split(",") if s.strip()}
        types = {s.strip() for s in query.get("type", "").split(",") if s.strip()}
        with state.lock:
            live = state.live()
            found = [r for r in state.requests.values() if r.overlaps(start, end)
                     and (not query.get("id") or str(r.id) == query["id"])
                     and (not query.get("employeeId") or str(r.employee_id) == query[
                         "employeeId"])
                     and (not statuses or r.status in statuses)
                     and (not types or str(r.type_id) in types)]
            body = [render_request(r, live.get(r.employee_id),
                                   notes=not query.get("excludeNote")) for r in found]
        return _json(request, body)

    @router.get("/time_off/whos_out")
    async def whos_out(request: Request, key: ApiKey) -> Response:
        start = date_param(request, "start", state.today())
        end = date_param(request, "end", start + timedelta(days=14))
        entries: list[dict[str, Any]] = []
        with state.lock:
            live = state.live()
            for r in state.requests.values():
                if r.status == "approved" and r.overlaps(start, end) and r.employee_id in live:
                    entries.append({"id": r.id, "type": "timeOff", "employeeId": r.employee_id,
                                    "name": live[r.employee_id].name,
                                    "start": r.start.isoformat(), "end": r.end.isoformat()})
        for year in range(start.year, end.year + 1):
            for holiday_id, name, month_day in HOLIDAYS:
                day = f"{year}-{month_day}"
                if start.isoformat() <= day <= end.isoformat():
                    entries.append({"id": holiday_id, "type": "holiday", "name": name,
                                    "start": day, "end": day})
        entries.sort(key=lambda e: (e["start"], e["type"] != "holiday", e["name"]))
        return _json(request, entries)

    return router


def webhook_routes(sandbox: BambooHRSandbox) -> APIRouter:
    """`/api/v1/webhooks`: list, create (answers the private key once), get, update, delete,
    the delivery log, and the monitorable fields."""
    router = APIRouter(prefix=f"{API}/webhooks")
    hooks = sandbox.state.webhooks

    def owned(webhook_id: str, key: str) -> Webhook:
        hook = hooks.get(webhook_id)
        if hook is None:
            raise BambooApiError(404, f"No webhook was found with ID: {webhook_id}.",
                                 webhook=True)
        if hook.owner != key:
            raise BambooApiError(403, f"You do not have access to webhook ID: {webhook_id}",
                                 webhook=True)
        return hook

    def settings(body: dict[str, Any]) -> dict[str, Any]:
        issues = []
        for name in ("name", "url", "format"):
            if not body.get(name):
                issues.append(f"{name} is required")
        if body.get("format") not in (None, "json", "form-encoded"):
            issues.append("format must be json or form-encoded")
        url = str(body.get("url") or "")
        if url and not url.startswith(_LOCAL_HOSTS):
            issues.append("url must begin with https://")
        events = list(body.get("events") or FIELD_EVENTS)
        unknown = [e for e in events if e not in FIELD_EVENTS + EMPLOYEE_EVENTS]
        if unknown:
            issues.append(f"unknown events: {', '.join(unknown)}")
        if any(e in FIELD_EVENTS for e in events) and any(e in EMPLOYEE_EVENTS for e in events):
            issues.append("employee_with_fields events can't be mixed with employee events")
        monitor = body.get("monitorFields")
        if any(e.endswith(".updated") for e in events) and not monitor:
            issues.append("monitorFields is required for updated events")
        if issues:
            raise _bad_request(issues)
        return {"name": str(body["name"]), "url": url, "format": str(body["format"]),
                "monitor_fields": list(monitor) if monitor else None,
                "post_fields": dict(body.get("postFields") or {}), "events": events,
                "include_company_domain": bool(body.get("includeCompanyDomain", False))}

    @router.get("")
    async def list_hooks(request: Request, key: ApiKey) -> Response:
        return _json(request, {"webhooks": [h.summary() for h in hooks.hooks()
                                            if h.owner == key]})

    @router.post("")
    async def create(request: Request, key: ApiKey) -> Response:
        values = settings(await json_body(request, webhook=True))
        hook = hooks.register(owner=key, created=_now(sandbox), **values)
        return _json(request, {**hook.full(), "privateKey": hook.private_key}, 201)

    @router.get("/monitor_fields")
    async def monitor_fields(request: Request, key: ApiKey) -> Response:
        return _json(request, {"fields": [{"id": str(n + 1), "name": name, "alias": name}
                                          for n, name in enumerate(EMPLOYEE_FIELDS)]})

    @router.get("/{webhook_id}")
    async def get(webhook_id: str, request: Request, key: ApiKey) -> Response:
        return _json(request, owned(webhook_id, key).full())

    @router.put("/{webhook_id}")
    async def put(webhook_id: str, request: Request, key: ApiKey) -> Response:
        hook = owned(webhook_id, key)
        values = settings(await json_body(request, webhook=True))
        for name, value in values.items():
            setattr(hook, name, value)
        return _json(request, hook.full())

    @router.delete("/{webhook_id}")
    async def delete(webhook_id: str, key: ApiKey) -> Response:
        owned(webhook_id, key)
        hooks.remove(webhook_id)
        return PlainTextResponse("Web hook has been deleted.")

    @router.get("/{webhook_id}/log")
    async def log(webhook_id: str, request: Request, key: ApiKey) -> Response:
        return _json(request, list(owned(webhook_id, key).log))

    return router


def _bad_request(issues: list[str]) -> BambooApiError:
    return BambooApiError(400, "Invalid request body", webhook=True, issues=issues)


def _now(sandbox: BambooHRSandbox) -> str:
    return datetime.fromtimestamp(sandbox.state.now(), UTC).strftime("%Y-%m-%d %H:%M:%S")
