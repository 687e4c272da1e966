"""A faithful Salesforce sandbox on the sandbox kit: the token endpoint (JWT bearer and client
credentials), SOQL `query`/`queryAll` in `nextRecordsUrl` batches, sObject reads and writes,
upserts by external id, getUpdated/getDeleted, `/limits`, the daily API allocation in
`Sforce-Limit-Info` (403 `REQUEST_LIMIT_EXCEEDED` past it) and Salesforce's error bodies
(`[{"message", "errorCode", "fields"}]`). Python methods act as a salesperson
(`close_deal(opportunity_id)`)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from pydantic import Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.salesforce.sandbox.oauth import ConnectedApp, oauth_routes
from connectors.salesforce.sandbox.objects import STAGES, FieldErrors, Org
from connectors.salesforce.sandbox.routes import data_routes
from hub.testing.faults import Fault
from hub.testing.kit import ToolError, ToolSandbox
from hub.testing.served import SandboxOptions

DATA = "/services/data"


class SalesforceOptions(SandboxOptions):
    """`hub sandbox salesforce` options."""

    seed_opportunities: int = Field(default=0, description="opportunities to seed")
    consumer_key: str = Field(default="hub-connected-app", description="connected app's key")
    consumer_secret: str = Field(default="hub-consumer-secret",
                                 description="connected app's secret (client credentials)")
    username: str = Field(default="integration@aurora.example",
                          description="the user JWTs act as")
    key_file: Path = Field(default=Path(".hub/salesforce-sandbox.key"),
                           description="the connected app's private key (PEM), made if absent")
    daily_limit: int = Field(default=100_000, description="API calls a day")


class LimitInfo:
    """ASGI middleware: every data API answer carries `Sforce-Limit-Info: api-usage=N/M`."""

    def __init__(self, app: ASGIApp, sandbox: SalesforceSandbox) -> None:
        self.app, self.sandbox = app, sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(DATA):
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                usage = f"api-usage={self.sandbox.used}/{self.sandbox.daily_limit}"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"sforce-limit-info", usage.encode())]}
            await send(message)

        await self.app(scope, receive, answer)


class SalesforceSandbox(ToolSandbox):
    """A Salesforce org: accounts, opportunities and users over the REST API."""

    title: ClassVar[str] = "Salesforce"
    default_port: ClassVar[int] = 8086
    options: ClassVar[type[SandboxOptions]] = SalesforceOptions
    api_prefix: ClassVar[str] = DATA
    not_found: ClassVar[str] = "The requested resource does not exist"

    def __init__(self, *, certificate: str, consumer_key: str = "hub-connected-app",
                 consumer_secret: str = "hub-consumer-secret",  # noqa: S107 - a sandbox's
                 audience: str = "https://login.salesforce.com",
                 username: str = "integration@aurora.example", daily_limit: int = 100_000,
                 public_url: str | None = None, **kit: Any) -> None:
        self.connected_app = ConnectedApp(consumer_key, consumer_secret, certificate, audience)
        self.daily_limit, self.used = daily_limit, 0
        self.usage_lock = threading.Lock()
        self.public_url = public_url
        self.locators: dict[str, tuple[list[dict[str, Any]], int]] = {}
        super().__init__(**kit)
        self.org = Org(self.clock)
        self.integration = self.add_user(username, "Integration User")
        self.org.actor = self.integration["Id"]
        self.connected_app.users[username] = self.integration["Id"]
        self.connected_app.run_as = self.integration["Id"]
        self.app.include_router(oauth_routes(self.connected_app, self.instance_url, self.clock))
        self.app.add_middleware(LimitInfo, sandbox=self)

    # -- acting as people in the org --------------------------------------------------------
    def add_user(self, username: str, name: str, email: str | None = None,
                 department: str | None = None) -> dict[str, Any]:
        """A user (an opportunity's owner) of a team (`Department`)."""
        with self.lock:
            return self.org.create("User", {"Username": username, "Name": name,
                                            "Email": email or username,
                                            "Department": department})

    def create_account(self, name: str, **fields: Any) -> dict[str, Any]:
        """An account, as a salesperson creates it."""
        with self.lock:
            return self.org.create("Account", {"Name": name, **fields})

    def create_opportunity(self, name: str, account_id: str | None = None, *,
                           stage: str = "Prospecting", close_date: str = "2026-12-31",
                           **fields: Any) -> dict[str, Any]:
        """An opportunity, as a salesperson creates it."""
        with self.lock:
            return self.org.create("Opportunity", {
                "Name": name, "AccountId": account_id, "StageName": stage,
                "CloseDate": close_date, **fields})

    def update(self, sobject: str, record_id: str, **fields: Any) -> dict[str, Any]:
        """Change a record as a person would."""
        with self.lock:
            record = self.org.find(sobject, record_id)
            if record is None or record["IsDeleted"]:
                raise KeyError(record_id)
            self.org.update(sobject, record, fields)
            return record

    def close_deal(self, opportunity_id: str, *, won: bool = True) -> dict[str, Any]:
        """Move a deal to Closed Won (or Closed Lost)."""
        return self.update("Opportunity", opportunity_id,
                           StageName="Closed Won" if won else "Closed Lost")

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete a record (to the recycle bin)."""
        with self.lock:
            record = self.org.find(sobject, record_id)
            if record is not None and not record["IsDeleted"]:
                self.org.delete(record)

    def expire_sessions(self) -> None:
        """Every access token stops working, as when a session times out."""
        self.connected_app.expire_sessions()

    # -- the kit's faces --------------------------------------------------------------------
    def instance_url(self, request: Request) -> str:
        """The org's URL as the token endpoint names it."""
        return self.public_url or str(request.base_url).rstrip("/")

    def authentication(self) -> Any:
        def caller(request: Request) -> str | None:
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() not in ("bearer", "oauth"):
                return None
            return self.connected_app.sessions.get(token.strip())
        return caller

    async def gate(self, request: Request) -> Any:
        caller = await super().gate(request)
        with self.usage_lock:
            if self.used >= self.daily_limit:
                raise self.sf_error(403, "REQUEST_LIMIT_EXCEEDED",
                                    "TotalRequests Limit exceeded.")
            self.used += 1
        return caller

    def sf_error(self, status: int, code: str, message: str,
                 fields: list[str] | None = None) -> ToolError:
        """An error as Salesforce's REST API words it."""
        body: dict[str, Any] = {"message": message, "errorCode": code}
        if fields is not None:
            body["fields"] = fields
        return ToolError(status, [body])

    def error(self, status: int, message: str) -> ToolError:
        codes = {400: "MALFORMED_REQUEST", 401: "INVALID_SESSION_ID", 403: "INSUFFICIENT_ACCESS",
                 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
        return self.sf_error(status, codes.get(status, "UNKNOWN_EXCEPTION"), message)

    def unauthorized(self) -> ToolError:
        return self.sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def fault_error(self, fault: Fault) -> ToolError:
        if fault.status in (429, 403):  # Salesforce has no 429: past the allocation it's a 403
            return self.sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        return self.sf_error(fault.status, "SERVER_UNAVAILABLE",
                             "Server temporarily unavailable, please try again later")

    def field_errors(self, errors: FieldErrors) -> ToolError:
        """A refused write, with the fields named."""
        return ToolError(400, errors.errors)

    def routes(self, api: APIRouter) -> None:
        data_routes(self, api)

    def admin(self, router: APIRouter) -> None:
        @router.post("/limits")
        async def set_limits(request: Request) -> dict[str, int]:
            body = await request.json()
            with self.usage_lock:
                self.daily_limit = int(body.get("daily_limit", self.daily_limit))
                self.used = int(body.get("used", self.used))
            return {"daily_limit": self.daily_limit, "used": self.used}

        @router.post("/expire-sessions")
        async def expire() -> dict[str, bool]:
            self.expire_sessions()
            return {"expired": True}

    @classmethod
    def from_options(cls, options: SalesforceOptions) -> SalesforceSandbox:
        from connectors.salesforce.sandbox.seed import key_pair, seed

        certificate = key_pair(options.key_file)
        sandbox = cls(certificate=certificate, consumer_key=options.consumer_key,
                      consumer_secret=options.consumer_secret, username=options.username,
                      daily_limit=options.daily_limit, seed=options.seed)
        seed(sandbox, options.seed_opportunities, options.seed)
        sandbox.key_file = options.key_file
        return sandbox

    key_file: Path | None = None

    def welcome(self) -> list[str]:
        app = self.connected_app
        deals = sum(1 for r in self.org.records["Opportunity"].values() if not r["IsDeleted"])
        return [f"token: POST /services/oauth2/token (JWT bearer: iss={app.consumer_key}, "
                f"sub={next(iter(app.users))}, aud={app.audience}, key {self.key_file}; or "
                f"client credentials: {app.consumer_key} / its secret)",
                f"stages: {', '.join(STAGES)}",
                f"{deals} opportunities, daily API allocation {self.daily_limit}"]
