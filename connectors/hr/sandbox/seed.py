"""Realistic seed data for the BambooHR sandbox: a company of `employees` people over a few
departments, each department headed by someone reporting to the CEO, and some time off.

People are named as the Jira and Asana sandboxes name theirs (first.last@example.com, the same
sequence), so seeded sandboxes of the three tools share their people, as a company's do.
Seeding is a bulk import: no webhooks.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from connectors.hr.sandbox.model import Employee
from hub.testing.kit.people import FIRST, LAST

if TYPE_CHECKING:
    from connectors.hr.sandbox.state import BambooState

DEPARTMENTS = ["Engineering", "Marketing", "Finance", "Sales", "People", "Operations"]
TITLES = {"Engineering": ["Software Engineer", "Senior Engineer", "QA Engineer"],
          "Marketing": ["Marketing Manager", "Content Writer", "Designer"],
          "Finance": ["Accountant", "Controller", "Financial Analyst"],
          "Sales": ["Account Executive", "Sales Engineer"],
          "People": ["HR Generalist", "Recruiter"],
          "Operations": ["Operations Manager", "Office Manager"]}
LOCATIONS = ["Berlin", "Lisbon", "Remote"]


def seed(state: BambooState, *, employees: int, departments: int, time_off: int,
         seed: int) -> list[Employee]:
    """Add `employees` people over `departments` departments and `time_off` requests."""
    rng = random.Random(seed)
    made: list[Employee] = []
    with state.quiet():
        names = _names(state, employees)
        used = DEPARTMENTS[:max(1, min(departments, len(DEPARTMENTS)))]
        heads: dict[str, Employee] = {}
        ceo: Employee | None = None
        for n, (first, last, email) in enumerate(names):
            department = "Executive" if n == 0 else used[(n - 1) % len(used)]
            manager = heads.get(department, ceo)
            hired = state.today() - timedelta(days=rng.randint(30, 2000))
            employee = state.add_employee({
                "firstName": first, "lastName": last, "workEmail": email,
                "department": department,
                "jobTitle": "Chief Executive Officer" if n == 0 else
                rng.choice(TITLES.get(department, ["Specialist"])),
                "division": "Acme Corp", "location": rng.choice(LOCATIONS),
                "hireDate": hired.isoformat(),
                "reportsToId": str(manager.id) if manager else None,
                "workPhone": f"+49 30 {rng.randint(1000000, 9999999)}",
                "payRate": f"{rng.randint(45, 140) * 1000}.00 EUR", "payType": "Salary",
            })
            if manager is None:
                employee.fields.pop("reportsToId", None)
            if n == 0:
                ceo = employee
            elif department not in heads:
                heads[department] = employee
            made.append(employee)
        for _ in range(time_off if made else 0):
            who = rng.choice(made)
            start = state.today() + timedelta(days=rng.randint(-20, 60))
            end = start + timedelta(days=rng.choice([0, 1, 2, 4, 9]))
            state.add_time_off(who.id, start, end, type_id=rng.choice([77, 77, 77, 78, 80]),
                               status=rng.choice(["approved", "approved", "requested"]))
    return made


def _names(state: BambooState, count: int) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for n in range(count):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7 + n // len(FIRST)) % len(LAST)]
        email = f"{first}.{last}@example.com".lower()
        if state.by_email(email) is not None or any(e == email for *_, e in out):
            email = f"{first}.{last}{n}@example.com".lower()
        out.append((first, last, email))
    return out

