"""Test knobs over HTTP under `/_sandbox` (no auth): seeding, what HR does (hire, change,
terminate, delete, time off), webhook delivery, call counts. The same knobs as
`BambooHRSandbox` has in Python; the demo uses them to change people at run time:

    curl -X PATCH localhost:8083/_sandbox/employees/ada.okafor@example.com \
         -d '{"department": "Sales"}'
    curl -X POST localhost:8083/_sandbox/employees/ada.okafor@example.com/terminate
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from connectors.hr.sandbox.http import json_body
from hub.testing.outbox_routes import outbox_routes

if TYPE_CHECKING:
    from connectors.hr.sandbox import BambooHRSandbox


def admin_routes(sandbox: BambooHRSandbox) -> APIRouter:
    """The `/_sandbox` knobs. Employees are named by id or work e-mail."""
    router = APIRouter(prefix="/_sandbox")
    state = sandbox.state
    router.include_router(outbox_routes(state.webhooks, sandbox.calls, hooks=lambda: [
        h.full() for h in state.webhooks.hooks()]))

    def acting(action: Any) -> Response:
        try:
            return JSONResponse(action())
        except KeyError as exc:
            return JSONResponse({"detail": str(exc).strip("'\"")}, 404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"detail": str(exc)}, 400)

    @router.post("/seed")
    async def seed(request: Request) -> Response:
        """Body: employees, departments, time_off, seed (all optional)."""
        body = await json_body(request)
        sandbox.seed(employees=int(body.get("employees", 30)),
                     departments=int(body.get("departments", 4)),
                     time_off=int(body.get("time_off", 10)),
                     seed=int(body["seed"]) if "seed" in body else None)
        return JSONResponse({"employees": len(state.live()), "time_off": len(state.requests)})

    @router.get("/employees")
    async def employees() -> Response:
        return JSONResponse([sandbox.employee(i) for i in sorted(state.live())])

    @router.post("/employees", status_code=201)
    async def hire(request: Request) -> Response:
        """Body: firstName, lastName, workEmail, department, reportsToId (or `manager` as an
        e-mail), any other field."""
        body = await json_body(request)
        first, last = body.pop("firstName", None), body.pop("lastName", None)
        email = body.pop("workEmail", None) or body.pop("email", None)
        if not first or not last or not email:
            return JSONResponse({"detail": "firstName, lastName and workEmail are required"},
                                400)
        answer = acting(lambda: sandbox.add_employee(str(first), str(last), str(email),
                                                     **body))
        answer.status_code = 201 if answer.status_code == 200 else answer.status_code
        return answer

    @router.get("/employees/{ref}")
    async def show(ref: str) -> Response:
        return acting(lambda: sandbox.employee(_ref(ref)))

    @router.patch("/employees/{ref}")
    async def change(ref: str, request: Request) -> Response:
        """Body: fields to change, e.g. {"department": "Sales"} or {"manager": "<e-mail>"}."""
        body = await json_body(request)
        return acting(lambda: sandbox.update_employee(_ref(ref), **body))

    @router.post("/employees/{ref}/terminate")
    async def terminate(ref: str, request: Request) -> Response:
        """Body (optional): {"date": "YYYY-MM-DD"}; default today."""
        body = await json_body(request)
        on = date.fromisoformat(body["date"]) if body.get("date") else None
        return acting(lambda: sandbox.terminate(_ref(ref), on))

    @router.delete("/employees/{ref}")
    async def delete(ref: str) -> Response:
        answer = acting(lambda: sandbox.delete_employee(_ref(ref)))
        return Response(status_code=204) if answer.status_code == 200 else answer

    @router.post("/time_off", status_code=201)
    async def time_off(request: Request) -> Response:
        """Body: employee (id or e-mail), start, end, kind (Vacation, Sick, ...), status."""
        body = await json_body(request)

        def add() -> dict[str, Any]:
            made = sandbox.add_time_off(
                _ref(str(body["employee"])), date.fromisoformat(body["start"]),
                date.fromisoformat(body.get("end") or body["start"]),
                kind=str(body.get("kind", "Vacation")), status=str(body.get("status",
                                                                            "approved")))
            return {"id": made.id, "employeeId": made.employee_id, "status": made.status}

        return acting(add)

    @router.patch("/time_off/{request_id}")
    async def time_off_status(request_id: int, request: Request) -> Response:
        """Body: {"status": "approved" | "denied" | "canceled" | ...}."""
        body = await json_body(request)
        return acting(lambda: {"id": request_id, "status": sandbox.set_time_off_status(
            request_id, str(body.get("status"))).status})


    @router.post("/webhooks")
    async def register(request: Request) -> Response:
        """Body: url, private_key (optional: a fixed key for demos), monitor_fields."""
        body = await json_body(request)
        if not body.get("url"):
            return JSONResponse({"detail": "url is required"}, 400)
        hook_id, key = sandbox.register_webhook(str(body["url"]),
                                                monitor_fields=body.get("monitor_fields"),
                                                private_key=body.get("private_key"))
        return JSONResponse({"id": hook_id, "privateKey": key}, 201)

    return router


def _ref(ref: str) -> int | str:
    return int(ref) if ref.isdigit() else ref
