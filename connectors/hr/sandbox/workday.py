"""A small Workday sandbox: one custom report (Report-as-a-Service) of workers, served as JSON
(`{"Report_Entry": [...]}`) or CSV by `?format=`, behind Basic auth (an integration user) or a
bearer token, with the shared fault knobs. Rows change from Python, as HR would in Workday.

    sandbox = WorkdaySandbox()
    sandbox.seed(10)
    with serve(sandbox.app) as server:
        url = server.url + sandbox.path
        sandbox.update_worker("21003", Supervisory_Organization="Sales")
"""

from __future__ import annotations

import base64
import csv
import hmac
import io
import threading
from collections import Counter
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from hub.testing.faults import Faults, fault_routes, retry_after_header
from hub.testing.kit.people import FIRST, LAST

COLUMNS = ["Employee_ID", "Worker", "Email_Address", "Supervisory_Organization",
           "Manager_Email", "Worker_Status", "Hire_Date", "Job_Title", "Annual_Base_Pay"]
ORGANIZATIONS = ["Engineering", "Marketing", "Finance", "Sales"]


class WorkdaySandbox:
    """The report's rows and the FastAPI app serving them."""

    def __init__(self, *, username: str = "ISU_Hub", password: str = "workday-pass",  # noqa: S107
                 token: str = "workday-token", tenant: str = "acme",  # noqa: S107
                 report: str = "Hub_Workers") -> None:
        self.username, self.password, self.token = username, password, token
        self.path = f"/ccx/service/customreport2/{tenant}/ISU_Hub/{report}"
        self.rows: dict[str, dict[str, Any]] = {}
        self.faults = Faults()
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._next = 21001
        self.app = self._app()

    def add_worker(self, name: str, email: str, organization: str, *,
                   manager: str | None = None, status: str = "Active",
                   **columns: Any) -> str:
        """A new worker row; returns its Employee_ID."""
        with self.lock:
            worker_id = str(self._next)
            self._next += 1
            self.rows[worker_id] = {
                "Employee_ID": worker_id, "Worker": name, "Email_Address": email,
                "Supervisory_Organization": organization, "Manager_Email": manager or "",
                "Worker_Status": status, "Hire_Date": "2024-01-15", "Job_Title": "Specialist",
                "Annual_Base_Pay": "70000", **columns}
            return worker_id

    def update_worker(self, worker_id: str, **columns: Any) -> None:
        with self.lock:
            self.rows[worker_id].update(columns)

    def remove_worker(self, worker_id: str) -> None:
        with self.lock:
            del self.rows[worker_id]

    def seed(self, workers: int = 10) -> None:
        """Workers named like the other sandboxes' people, over a few organizations."""
        head = None
        for n in range(workers):
            first, last = FIRST[n % len(FIRST)], LAST[(n * 7 + n // len(FIRST)) % len(LAST)]
            email = f"{first}.{last}@example.com".lower()
            self.add_worker(f"{first} {last}", email, ORGANIZATIONS[n % len(ORGANIZATIONS)],
                            manager=head)
            head = head or email

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return hmac.compare_digest(value.strip().encode(), self.token.encode())
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return False
            return hmac.compare_digest(user.encode(), self.username.encode()) and \
                hmac.compare_digest(password.encode(), self.password.encode())
        return False

    def _app(self) -> FastAPI:
        app = FastAPI(title="Workday sandbox", docs_url=None, redoc_url=None, openapi_url=None)

        @app.get(self.path)
        async def report(request: Request) -> Response:
            self.calls["GET report"] += 1
            fault = self.faults.check()
            if fault is not None:
                headers = {"Retry-After": retry_after_header(fault.retry_after)} \
                    if fault.status == 429 and fault.retry_after is not None else {}
                return JSONResponse({"error": "Service unavailable"}, fault.status,
                                    headers=headers)
            if not self._authorized(request.headers.get("authorization", "")):
                return JSONResponse({"error": "invalid username or password"}, 401,
                                    headers={"WWW-Authenticate": 'Basic realm="Workday"'})
            with self.lock:
                rows = [dict(r) for r in self.rows.values()]
            if request.query_params.get("format", "json") == "csv":
                text = io.StringIO()
                writer = csv.DictWriter(text, COLUMNS, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
                return Response(text.getvalue(), media_type="text/csv")
            return JSONResponse({"Report_Entry": rows})

        app.include_router(fault_routes(self.faults))
        return app
