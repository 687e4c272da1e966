"""The sandbox's BambooHR company in memory: API keys, employees, time off requests, and the
webhooks each change sends.

Every write goes through here, whether it comes over the admin routes or from Python (HR in a
test): both stamp `lastChanged`, feed `/employees/changed` and queue webhooks, as in BambooHR.
One re-entrant lock guards it all, so a server thread and test code can share it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from connectors.hr.sandbox.model import (
    EMPLOYEE_FIELDS,
    TIME_OFF_STATUSES,
    TIME_OFF_TYPES,
    Employee,
    TimeOffRequest,
    field_value,
)
from connectors.hr.sandbox.webhooks import WebhookDispatcher


class BambooState:
    """Everything the sandbox's company holds."""

    def __init__(self, company_domain: str, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.company_domain = company_domain
        self.api_keys: dict[str, int | None] = {}  # API key -> the employee it belongs to
        self.employees: dict[int, Employee] = {}
        self.requests: dict[int, TimeOffRequest] = {}
        self.webhooks = WebhookDispatcher(company_domain)
        self._next_employee = 101
        self._next_request = 1001
        self._quiet = False

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Changes in this block send no webhooks (a bulk import)."""
        with self.lock:
            self._quiet = True
            try:
                yield
            finally:
                self._quiet = False

    def now(self) -> float:
        """Seconds since 1970 on the sandbox's clock."""
        return self.clock()

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    # -- lookups ---------------------------------------------------------------------------
    def employee(self, employee_id: int | str) -> Employee | None:
        """A live (not deleted) employee by id."""
        try:
            found = self.employees.get(int(employee_id))
        except (TypeError, ValueError):
            return None
        return found if found is not None and not found.deleted else None

    def by_email(self, email: str) -> Employee | None:
        folded = email.strip().casefold()
        return next((e for e in self.employees.values() if not e.deleted and
                     str(e.fields.get("workEmail") or "").casefold() == folded), None)

    def live(self) -> dict[int, Employee]:
        return {i: e for i, e in self.employees.items() if not e.deleted}

    # -- what HR does ----------------------------------------------------------------------
    def add_employee(self, fields: dict[str, Any]) -> Employee:
        """Hire someone: `fields` by BambooHR name (firstName, lastName, workEmail, ...)."""
        with self.lock:
            values = {"status": "Active", "employmentStatus": "Full-Time",
                      "hireDate": self.today().isoformat(), **fields}
            _check_manager(self, values)
            employee = Employee(self._next_employee, values, self.now(), self.now())
            employee.fields.setdefault("employeeNumber", str(employee.id))
            self._next_employee += 1
            self.employees[employee.id] = employee
            self._announce(employee, "Inserted", sorted(values))
            return employee

    def update_employee(self, employee_id: int, changes: dict[str, Any]) -> Employee:
        """Change fields (None clears one); only real changes stamp `lastChanged`."""
        with self.lock:
            employee = self._get(employee_id)
            _check_manager(self, changes, employee.id)
            changed = sorted(k for k, v in changes.items() if employee.fields.get(k) != v)
            if changed:
                employee.fields.update(changes)
                self._announce(employee, "Updated", changed)
            return employee

    def terminate(self, employee_id: int, on: date | None = None,
                  reason: str = "Resignation (Voluntary)") -> Employee:
        """Mark someone as having left: status Inactive, employment status Terminated."""
        return self.update_employee(employee_id, {
            "status": "Inactive", "employmentStatus": "Terminated",
            "terminationDate": (on or self.today()).isoformat(), "terminationReason": reason})

    def delete_employee(self, employee_id: int) -> None:
        """Delete the record (the change feed says Deleted)."""
        with self.lock:
            employee = self._get(employee_id)
            employee.deleted = True
            self._announce(employee, "Deleted", [])

    def add_time_off(self, employee_id: int, start: date, end: date, *, type_id: int = 77,
                     status: str = "approved", amount: float | None = None,
                     note: str = "") -> TimeOffRequest:
        """A time off request of an employee."""
        with self.lock:
            self._get(employee_id)
            if type_id not in TIME_OFF_TYPES:
                raise ValueError(f"no time off type {type_id} (known: {sorted(TIME_OFF_TYPES)})")
            if status not in TIME_OFF_STATUSES:
                raise ValueError(f"{status!r} is not a status ({', '.join(TIME_OFF_STATUSES)})")
            if end < start:
                raise ValueError("a request ends on or after its start")
            days = (end - start).days + 1
            request = TimeOffRequest(self._next_request, employee_id, type_id, start, end,
                                     status, self.today(), self.today(),
                                     float(days if amount is None else amount), note)
            self._next_request += 1
            self.requests[request.id] = request
            return request

    def set_time_off_status(self, request_id: int, status: str) -> TimeOffRequest:
        """Approve, deny or cancel a request."""
        with self.lock:
            request = self.requests.get(request_id)
            if request is None:
                raise KeyError(f"no time off request {request_id}")
            if status not in TIME_OFF_STATUSES:
                raise ValueError(f"{status!r} is not a status ({', '.join(TIME_OFF_STATUSES)})")
            request.status, request.status_changed = status, self.today()
            return request

    # -- the change feed -------------------------------------------------------------------
    def changed_since(self, since: float, kind: str = "all") -> list[Employee]:
        """Employees whose last change is at or after `since` (deleted ones included)."""
        wanted = {"inserted": "Inserted", "updated": "Updated", "deleted": "Deleted"}.get(kind)
        with self.lock:
            return sorted((e for e in self.employees.values()
                           if int(e.last_changed) >= int(since)
                           and (wanted is None or e.action == wanted)),
                          key=lambda e: (e.last_changed, e.id))

    # -- helpers ---------------------------------------------------------------------------
    def _get(self, employee_id: int) -> Employee:
        employee = self.employee(employee_id)
        if employee is None:
            raise KeyError(f"no employee {employee_id}")
        return employee

    def _announce(self, employee: Employee, action: str, changed: list[str]) -> None:
        employee.last_changed = self.now()
        # A record created and edited before anyone looked is still "Inserted".
        if not (action == "Updated" and employee.action == "Inserted"
                and employee.created == employee.last_changed):
            employee.action = action
        if self._quiet:
            return
        stamp = datetime.fromtimestamp(int(employee.last_changed), UTC).isoformat()
        live = self.live()
        self.webhooks.publish(
            [{"id": str(employee.id), "action": action, "changedFields": changed}],
            lambda eid: _current(live, eid), stamp)


def _current(employees: dict[int, Employee], employee_id: str) -> dict[str, Any]:
    employee = employees.get(int(employee_id))
    if employee is None:
        return {}
    return {name: field_value(employee, name, employees) for name in EMPLOYEE_FIELDS}


def _check_manager(state: BambooState, values: dict[str, Any], self_id: int | None = None) -> None:
    manager = values.get("reportsToId")
    if manager in (None, ""):
        return
    if state.employee(manager) is None or (self_id is not None and int(manager) == self_id):
        raise ValueError(f"reportsToId {manager} is not another employee")
    values["reportsToId"] = str(int(manager))
