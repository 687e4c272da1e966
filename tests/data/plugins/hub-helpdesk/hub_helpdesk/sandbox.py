"""A sandbox of Helpdesk's API on the sandbox kit: tickets with page paging and updated-since,
a bearer token, webhooks signed with HMAC-SHA256 over the body, and the kit's fault knobs.
Make it the real tool's: its paths, shapes and errors, checked against its official API
description (`hub.testing.kit.openapi`).

    sandbox = HelpdeskSandbox()
    ticket = sandbox.create_ticket("Printer on fire")      # as a person would: webhooks fire
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from pydantic import Field

from hub.sdk.signatures import HmacSignature
from hub.testing.kit import Hook, TokenHeader, ToolSandbox, iso
from hub.testing.served import SandboxOptions

SIGNATURE = HmacSignature("X-Signature", "sha256", "hex", prefix="sha256=")
FIELDS = ("title", "body", "status", "assignee", "due_on", "external_id")


class HelpdeskOptions(SandboxOptions):
    """`hub sandbox helpdesk` options."""

    seed_tickets: int = Field(default=0, description="tickets to seed")
    token: str = Field(default="helpdesk-token", description="the API token")


class HelpdeskSandbox(ToolSandbox):
    """A Helpdesk sandbox: tickets, a bearer token, signed webhooks, knobs."""

    title: ClassVar[str] = "Helpdesk"
    default_port: ClassVar[int] = 8099
    options: ClassVar[type[SandboxOptions]] = HelpdeskOptions
    id_style = "numeric"
    not_found: ClassVar[str] = "ticket not found"

    def __init__(self, *, token: str = "helpdesk-token", **kit: Any) -> None:  # noqa: S107
        self.token = token
        super().__init__(**kit)
        self.tickets = self.collection("tickets")

    # -- what a person does -----------------------------------------------------------------
    def create_ticket(self, title: str, **fields: Any) -> dict[str, Any]:
        """Open a ticket (a webhook fires)."""
        with self.lock:
            ticket = self.tickets.add({"title": title, "body": "", "status": "open",
                                       "assignee": None, "due_on": None, "external_id": None,
                                       **fields})
            self._changed("ticket.created", ticket)
            return ticket

    def update_ticket(self, ticket_id: str, **fields: Any) -> dict[str, Any]:
        """Change a ticket (a webhook fires)."""
        with self.lock:
            ticket = self.one(self.tickets, id=ticket_id)
            if self.tickets.update(ticket["id"], fields):
                self._changed("ticket.updated", ticket)
            return ticket

    def delete_ticket(self, ticket_id: str) -> None:
        """Delete a ticket (a webhook fires)."""
        with self.lock:
            ticket = self.tickets.delete(self.one(self.tickets, id=ticket_id)["id"])
            self._changed("ticket.deleted", ticket)

    @classmethod
    def from_options(cls, options: HelpdeskOptions) -> HelpdeskSandbox:
        sandbox = cls(token=options.token, seed=options.seed)
        rng = random.Random(options.seed)
        for n in range(options.seed_tickets):
            sandbox.create_ticket(f"Ticket {n + 1}", status=rng.choice(["open", "closed"]))
        return sandbox

    def welcome(self) -> list[str]:
        return [f"API: /api, Authorization: Bearer {self.token}",
                f"tickets: {len(self.tickets)}"]

    # -- the tool's faces -------------------------------------------------------------------
    def authentication(self) -> TokenHeader:
        return TokenHeader({self.token: "hub"})

    def sign_delivery(self, hook: Hook, body: bytes) -> dict[str, str]:
        return SIGNATURE.sign(hook.secret, body)

    def routes(self, api: APIRouter) -> None:
        @api.get("/api/me")
        async def me() -> Any:
            return {"name": "Integration Hub", "email": "hub@example.com"}

        @api.get("/api/tickets")
        async def tickets(request: Request) -> Any:
            query = request.query_params
            rows = [self._render(t) for t in self.tickets
                    if query.get("external_id") in (None, t["external_id"])]
            if "updated_since" in query:
                since = datetime.fromisoformat(query["updated_since"].replace("Z", "+00:00"))
                rows = [r for r in rows if self.tickets.updated(r["id"]) >= since.timestamp()]
            page, size = int(query.get("page", 1)), int(query.get("limit", 100))
            return {"tickets": rows[(page - 1) * size:page * size]}

        @api.post("/api/tickets")
        async def create(request: Request) -> Any:
            body = await request.json()
            return self._render(self.create_ticket(
                str(body.pop("title", "")), **{k: v for k, v in body.items() if k in FIELDS}))

        @api.api_route("/api/tickets/{ticket_id}", methods=["GET", "PATCH"])
        async def ticket(ticket_id: str, request: Request) -> Any:
            if request.method == "PATCH":
                body = await request.json()
                self.update_ticket(ticket_id, **{k: v for k, v in body.items() if k in FIELDS})
            return self._render(self.one(self.tickets, id=ticket_id))

        @api.get("/api/webhooks")
        async def hooks() -> Any:
            return {"webhooks": [{"id": h.id, "url": h.url} for h in self.webhooks.hooks()]}

        @api.post("/api/webhooks")
        async def subscribe(request: Request) -> Any:
            body = await request.json()
            hook = await self.register_hook(body["url"], "tickets", secret=body["secret"])
            return {"id": hook.id, "url": hook.url}

    def _render(self, ticket: dict[str, Any]) -> dict[str, Any]:
        return {**ticket, "updated_at": iso(self.tickets.updated(ticket["id"])),
                "url": f"https://helpdesk.example.com/tickets/{ticket['id']}"}

    def _changed(self, kind: str, ticket: dict[str, Any]) -> None:
        event = self.events.append(kind, {"ticket_id": ticket["id"]})
        self.webhooks.publish(["tickets"], {"id": event.id, "type": kind,
                                            "ticket_id": ticket["id"]})
