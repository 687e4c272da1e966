"""A faithful, stateful BambooHR sandbox: the public API's employee, change-feed, time off and
webhook routes (shared/specs/bamboohr.yaml) over real HTTP, with API-key Basic auth, signed
webhooks, fault knobs and seeding.

    sandbox = BambooHRSandbox()
    sandbox.seed(employees=40)
    with serve(sandbox.app) as server:          # hub.testing.server
        ...  # the connector talks to server.url with the API key "bamboo-key"
        sandbox.update_employee(105, department="Sales")   # HR at work; webhooks fire
        sandbox.terminate(105)                             # a leaver

Python methods act as HR would; the same knobs are served under `/_sandbox` (see
`admin`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from fastapi import FastAPI
from pydantic import Field

from connectors.hr.sandbox.admin import admin_routes
from connectors.hr.sandbox.http import install_error_handlers
from connectors.hr.sandbox.model import (
    EMPLOYEE_FIELDS,
    TIME_OFF_TYPES,
    Employee,
    TimeOffRequest,
    render_employee,
)
from connectors.hr.sandbox.routes import api_routes, webhook_routes
from connectors.hr.sandbox.seed import seed as seed_company
from connectors.hr.sandbox.state import BambooState
from connectors.hr.sandbox.webhooks import WebhookDispatcher
from hub.testing.faults import Faults
from hub.testing.sandbox_app import sandbox_app
from hub.testing.served import SandboxOptions

__all__ = ["BambooHRSandbox", "Faults", "create_app"]

#: friendly names the Python methods accept for BambooHR's field names
ALIASES = {"email": "workEmail", "first_name": "firstName", "last_name": "lastName",
           "preferred_name": "preferredName", "title": "jobTitle", "job_title": "jobTitle",
           "manager": "reportsToId", "reports_to": "reportsToId", "hire_date": "hireDate"}


class BambooOptions(SandboxOptions):
    """`hub sandbox bamboohr` options."""

    seed_employees: int = Field(default=0, description="employees to seed (with managers)")
    departments: int = Field(default=4, description="departments the seeded people work in")
    seed_time_off: int = Field(default=10, description="time off requests to seed")
    api_key: str = Field(default="bamboo-key", description="the API key (Basic-auth user name)")
    webhook_url: str | None = Field(
        default=None, description="register a webhook to this URL at start "
                                  "(e.g. http://127.0.0.1:8080/webhooks/hr)")
    webhook_key: str | None = Field(
        default=None, description="the webhook's private key (the hub's webhook.secret); "
                                  "default: a random one")


class BambooHRSandbox:
    """The company's state and the FastAPI app serving it; safe to use from test code while
    one uvicorn thread serves the app."""

    title: ClassVar[str] = "BambooHR"
    summary: ClassVar[str] = ("A BambooHR sandbox: employees, the change feed, time off, who's "
                              "out, webhooks, knobs.")
    default_port: ClassVar[int] = 8083
    options: ClassVar[type[SandboxOptions]] = BambooOptions

    def __init__(self, *, api_key: str = "bamboo-key", company_domain: str = "acme",
                 seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.state = BambooState(company_domain, clock)
        self.api_key = api_key
        self.state.api_keys[api_key] = None
        self.faults = Faults(seed=seed)
        self.calls: Counter[str] = Counter()
        #: every field name the API was asked for (`fields=`), to show what a client reads
        self.fields_asked: set[str] = set()
        self._seed = seed
        self._started: list[str] = []
        self.app = create_app(self)

    @classmethod
    def from_options(cls, options: BambooOptions) -> BambooHRSandbox:
        """A sandbox as `hub sandbox bamboohr` starts it."""
        sandbox = cls(api_key=options.api_key, seed=options.seed)
        if options.seed_employees > 0:
            sandbox.seed(employees=options.seed_employees, departments=options.departments,
                         time_off=options.seed_time_off)
        if options.webhook_url:
            hook_id, key = sandbox.register_webhook(options.webhook_url,
                                                    private_key=options.webhook_key)
            sandbox._started = [f"webhook {hook_id} -> {options.webhook_url}, private key: {key}"]
        return sandbox

    def welcome(self) -> list[str]:
        """How to sign in, and what is there."""
        return [f"API key: {self.api_key} (Basic auth user name; any password)",
                f"employees: {len(self.state.live())}, time off requests: "
                f"{len(self.state.requests)}", *self._started,
                "knobs: /_sandbox/employees (PATCH .../{id or e-mail}, POST .../terminate), "
                "/_sandbox/time_off, /_sandbox/faults, /_sandbox/seed, /_sandbox/webhooks"]

    @property
    def webhooks(self) -> WebhookDispatcher:
        """Registered webhooks and their delivery queue: `pause()`, `resume()`, `pending()`,
        the retry policy, and `clock` (what stamps `X-BambooHR-Timestamp`)."""
        return self.state.webhooks

    # -- what HR does ----------------------------------------------------------------------
    def add_employee(self, first_name: str, last_name: str, email: str, *,
                     department: str | None = None, manager: int | str | None = None,
                     **fields: Any) -> dict[str, Any]:
        """Hire someone (webhooks fire); `manager` is an employee id or e-mail. Returns the
        employee's fields."""
        values = self._friendly({"firstName": first_name, "lastName": last_name,
                                 "workEmail": email, "department": department,
                                 "reportsToId": manager, **fields})
        return self.employee(self.state.add_employee(
            {k: v for k, v in values.items() if v is not None}).id)

    def update_employee(self, employee: int | str, **fields: Any) -> dict[str, Any]:
        """Change an employee's fields by BambooHR name or alias (department="Sales",
        manager=<id or e-mail>, email=...); webhooks fire for monitored fields."""
        found = self._employee(employee)
        self.state.update_employee(found.id, self._friendly(fields))
        return self.employee(found.id)

    def terminate(self, employee: int | str, on: date | None = None) -> dict[str, Any]:
        """A leaver: status Inactive, employment status Terminated (webhooks fire)."""
        found = self._employee(employee)
        self.state.terminate(found.id, on)
        return self.employee(found.id)

    def delete_employee(self, employee: int | str) -> None:
        """Delete an employee record (the change feed says Deleted)."""
        self.state.delete_employee(self._employee(employee).id)

    def add_time_off(self, employee: int | str, start: date, end: date, *,
                     kind: str = "Vacation", status: str = "approved",
                     note: str = "") -> TimeOffRequest:
        """A time off request (`kind` is a type name: Vacation, Sick, Parental Leave, ...)."""
        type_id = next((i for i, (name, _) in TIME_OFF_TYPES.items()
                        if name.casefold() == kind.casefold()), None)
        if type_id is None:
            raise ValueError(f"no time off type {kind!r}")
        return self.state.add_time_off(self._employee(employee).id, start, end,
                                       type_id=type_id, status=status, note=note)

    def set_time_off_status(self, request_id: int, status: str) -> TimeOffRequest:
        """Approve, deny or cancel (`canceled`) a request."""
        return self.state.set_time_off_status(request_id, status)

    def employee(self, employee: int | str) -> dict[str, Any]:
        """An employee's current fields (every field the sandbox knows)."""
        with self.state.lock:
            return render_employee(self._employee(employee), list(EMPLOYEE_FIELDS),
                                   self.state.live())

    def add_api_key(self, key: str, employee: int | None = None) -> None:
        """Another API key (an employee's own, for `/employees/0`)."""
        self.state.api_keys[key] = employee

    # -- webhooks, seeding -----------------------------------------------------------------
    def register_webhook(self, url: str, *, monitor_fields: list[str] | None = None,
                         post_fields: dict[str, str] | None = None,
                         events: list[str] | None = None,
                         private_key: str | None = None) -> tuple[str, str]:
        """Register a field-based webhook (as POST /api/v1/webhooks would); returns its id and
        private key. Monitors name, e-mail, department, manager and status unless told."""
        hook = self.state.webhooks.register(
            name="sandbox webhook", url=url, owner=self.api_key,
            monitor_fields=monitor_fields or ["firstName", "lastName", "preferredName",
                                              "workEmail", "department", "reportsToId",
                                              "status", "employmentStatus"],
            post_fields=post_fields, events=events, private_key=private_key)
        return hook.id, hook.private_key

    async def drain_webhooks(self, timeout: float) -> None:  # noqa: ASYNC109 - public API
        """Wait until every queued delivery was sent or given up on."""
        await self.state.webhooks.drain(timeout)

    def seed(self, employees: int = 30, departments: int = 4, time_off: int = 10, *,
             seed: int | None = None) -> list[Employee]:
        """Add a company's people with managers and some time off (no webhooks)."""
        return seed_company(self.state, employees=employees, departments=departments,
                            time_off=time_off, seed=self._seed if seed is None else seed)

    # -- helpers ---------------------------------------------------------------------------
    def _employee(self, ref: int | str) -> Employee:
        found = self.state.by_email(ref) if isinstance(ref, str) and "@" in ref \
            else self.state.employee(ref)
        if found is None:
            raise KeyError(f"no employee {ref!r}")
        return found

    def _friendly(self, fields: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in fields.items():
            name = ALIASES.get(name, name)
            if name == "reportsToId" and isinstance(value, str) and "@" in value:
                value = self._employee(value).id
            if name == "reportsToId" and value is not None:
                value = str(value)
            if isinstance(value, date):
                value = value.isoformat()
            out[name] = value
        return out


def create_app(sandbox: BambooHRSandbox) -> FastAPI:
    """The FastAPI app serving `sandbox`; its lifespan runs the webhook sender."""
    app = sandbox_app("BambooHR sandbox", sandbox.state.webhooks, sandbox.faults)
    app.state.sandbox = sandbox
    install_error_handlers(app)
    app.include_router(api_routes(sandbox))
    app.include_router(webhook_routes(sandbox))
    app.include_router(admin_routes(sandbox))
    return app
