"""What the BambooHR sandbox holds: employees (their fields by BambooHR's own names) and time
off requests, rendered in the API's shapes (shared/specs/bamboohr.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

#: employee fields the sandbox knows, by BambooHR field name -> its type in `/meta`-speak;
#: `reportsToId`/`reportsToName` are the spec's manager fields
EMPLOYEE_FIELDS: dict[str, str] = {
    "employeeNumber": "text", "firstName": "text", "lastName": "text",
    "preferredName": "text", "displayName": "text", "workEmail": "email",
    "homeEmail": "email", "jobTitle": "list", "jobTitleName": "text", "department": "list",
    "division": "list", "location": "list", "status": "status",
    "employmentStatus": "list", "employmentHistoryStatus": "list", "hireDate": "date",
    "terminationDate": "date", "terminationReason": "list", "reportsToId": "employee",
    "reportsToName": "text",
    "supervisorEId": "employee", "workPhone": "text", "mobilePhone": "text",
    "lastChanged": "timestamp",
    # Sensitive fields a real site holds: served when asked, never read by the hub's mapping.
    "payRate": "currency", "payType": "list", "ssn": "ssn", "dateOfBirth": "date",
}
#: fields the company directory shows (`GET /api/v1/employees/directory`)
DIRECTORY_FIELDS: list[tuple[str, str, str]] = [
    ("displayName", "text", "Display name"), ("firstName", "text", "First name"),
    ("lastName", "text", "Last name"), ("preferredName", "text", "Preferred name"),
    ("jobTitle", "list", "Job title"), ("workPhone", "text", "Work Phone"),
    ("mobilePhone", "text", "Mobile Phone"), ("workEmail", "email", "Work Email"),
    ("department", "list", "Department"), ("location", "list", "Location"),
    ("division", "list", "Division"), ("supervisor", "employee", "Supervisor"),
    ("photoUploaded", "bool", "Employee photo"), ("photoUrl", "url", "Photo URL"),
    ("canUploadPhoto", "bool", "Can upload photo"),
]
#: time off types: id -> (name, icon)
TIME_OFF_TYPES: dict[int, tuple[str, str]] = {
    77: ("Vacation", "palm-trees"), 78: ("Sick", "medicine-pill"),
    79: ("Parental Leave", "baby-carriage"), 80: ("Training", "graduation-cap"),
    81: ("Bereavement", "heart"),
}
TIME_OFF_STATUSES = ("approved", "denied", "superceded", "requested", "canceled")
HOLIDAYS: list[tuple[int, str, str]] = [
    (1, "New Year's Day", "01-01"), (2, "Labour Day", "05-01"), (3, "Christmas Day", "12-25"),
]


def iso_seconds(moment: float) -> str:
    """BambooHR's timestamps: ISO 8601 to the second, with the offset (`+00:00`)."""
    return datetime.fromtimestamp(int(moment), UTC).isoformat()


@dataclass(eq=False)
class Employee:
    """One employee; `fields` holds every field by its BambooHR name (strings or None)."""

    id: int
    fields: dict[str, Any]
    last_changed: float = 0.0
    created: float = 0.0
    deleted: bool = False
    #: the action of the last change the changed-feed reports (Inserted, Updated, Deleted)
    action: str = "Inserted"

    @property
    def name(self) -> str:
        """How BambooHR shows the person: preferred (or first) name and last name."""
        first = self.fields.get("preferredName") or self.fields.get("firstName") or ""
        return f"{first} {self.fields.get('lastName') or ''}".strip()

    @property
    def active(self) -> bool:
        return self.fields.get("status") == "Active"


@dataclass(eq=False)
class TimeOffRequest:
    """A time off request of one employee."""

    id: int
    employee_id: int
    type_id: int
    start: date
    end: date
    status: str = "approved"
    created: date = field(default_factory=date.today)
    status_changed: date = field(default_factory=date.today)
    amount: float = 1.0
    note: str = ""

    def overlaps(self, start: date, end: date) -> bool:
        """True when the request ends on or after `start` and starts on or before `end`."""
        return self.end >= start and self.start <= end


def render_employee(employee: Employee, wanted: list[str], by_id: dict[int, Employee],
                    ) -> dict[str, Any]:
    """`GET /employees/{id}?fields=`: the id and each requested field the sandbox knows;
    unknown fields are left out (as fields the caller may not see are)."""
    out: dict[str, Any] = {"id": str(employee.id)}
    for name in wanted:
        if name == "id" or name not in EMPLOYEE_FIELDS:
            continue
        out[name] = field_value(employee, name, by_id)
    return out


def field_value(employee: Employee, name: str, by_id: dict[int, Employee]) -> Any:
    """One field's value as BambooHR renders it (derived fields computed)."""
    values = employee.fields
    if name == "displayName":
        return employee.name
    if name == "lastChanged":
        return iso_seconds(employee.last_changed)
    if name in ("reportsToId", "supervisorEId"):
        return values.get("reportsToId")
    if name == "reportsToName":
        manager = by_id.get(int(values["reportsToId"])) if values.get("reportsToId") else None
        return manager.name if manager else None
    if name == "jobTitleName":
        return values.get("jobTitle")
    if name == "employmentHistoryStatus":
        return values.get("employmentStatus")
    return values.get(name)


def render_directory_entry(employee: Employee, by_id: dict[int, Employee]) -> dict[str, Any]:
    """One employee of the company directory."""
    manager = by_id.get(int(employee.fields["reportsToId"])) \
        if employee.fields.get("reportsToId") else None
    out: dict[str, Any] = {"id": str(employee.id)}
    for name, _kind, _label in DIRECTORY_FIELDS:
        if name == "supervisor":
            out[name] = manager.name if manager else None
        elif name in ("photoUploaded",):
            out[name] = False
        elif name == "canUploadPhoto":
            out[name] = 1
        elif name == "photoUrl":
            out[name] = f"https://images.example.com/photos/{employee.id}.jpg"
        else:
            out[name] = field_value(employee, name, by_id)
    return out


def render_request(request: TimeOffRequest, employee: Employee | None, *,
                   notes: bool = True) -> dict[str, Any]:
    """One time off request as `GET /time_off/requests` lists it."""
    name, icon = TIME_OFF_TYPES.get(request.type_id, ("Time Off", "palm-trees"))
    days = (request.end - request.start).days + 1
    per_day = round(request.amount / days, 2) if days > 0 else request.amount
    out: dict[str, Any] = {
        "id": request.id, "employeeId": request.employee_id,
        "name": employee.name if employee else "", "start": request.start.isoformat(),
        "end": request.end.isoformat(), "created": request.created.isoformat(),
        "status": {"lastChanged": request.status_changed.isoformat(),
                   "lastChangedByUserId": 2369, "status": request.status},
        "type": {"id": request.type_id, "name": name, "icon": icon},
        "amount": {"unit": "days", "amount": request.amount},
        "actions": {"view": True, "edit": True, "cancel": True, "approve": True,
                    "deny": True, "bypass": True},
        "dates": {(request.start.fromordinal(request.start.toordinal() + n)).isoformat():
                  per_day for n in range(max(days, 0))},
    }
    if notes:
        out["notes"] = {"employee": request.note} if request.note else {}
    return out
