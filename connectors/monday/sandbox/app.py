"""A faithful monday.com sandbox on the sandbox kit: GraphQL at `/v2` executed with graphql-core
against monday's own schema (shared/specs/monday-schema.graphql, shipped as schema.graphql), so
every query is validated and every answer typed as the real API's. One board with a status, a
people and a date column (and a text column for the hub's id); `items_page` then
`next_items_page` with cursors that live 60 minutes; a per-minute complexity budget; webhooks
that echo a `challenge` before they exist and carry a JWT signed with the app's signing secret.

    sandbox = MondaySandbox()
    item = sandbox.create_item("Launch video", status="Working on it", people=["ana@x.io"])
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from graphql import GraphQLSchema, build_schema, graphql
from pydantic import Field

from connectors.monday.sandbox.updates import Updates
from hub.sdk.signatures import JwtSignature
from hub.testing.faults import Fault
from hub.testing.kit import CursorExpired, Cursors, Hook, TokenHeader, ToolError, ToolSandbox, iso
from hub.testing.served import SandboxOptions

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
SIGNATURE = JwtSignature("Authorization")
LABELS = ("Working on it", "Stuck", "Done", "Not started")
COLUMNS = [("name", "Name", "name"), ("status", "Status", "status"),
           ("person", "Owner", "people"), ("date", "Due date", "date"),
           ("hub_id", "Hub ID", "text")]
_schema: GraphQLSchema | None = None


def schema() -> GraphQLSchema:
    """monday's schema, built once."""
    global _schema
    if _schema is None:
        _schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    return _schema


class MondayOptions(SandboxOptions):
    """`hub sandbox monday` options."""

    seed_items: int = Field(default=0, description="items to seed on the board")
    token: str = Field(default="monday-token", description="the API token")
    signing_secret: str = Field(default="monday-signing-secret-for-the-sandbox-app",
                                description="the app's signing secret (webhook JWTs)")


class MondaySandbox(ToolSandbox):
    """A monday.com sandbox: a board's items over GraphQL, cursors, complexity, webhooks."""

    title: ClassVar[str] = "monday.com"
    default_port: ClassVar[int] = 8085
    options: ClassVar[type[SandboxOptions]] = MondayOptions
    id_style = "numeric"
    id_start = 1_800_000_000

    def __init__(self, *, token: str = "monday-token",  # noqa: S107
                 signing_secret: str = "monday-signing-secret-for-the-sandbox-app",  # noqa: S107
                 budget: int = 10_000_000, **kit: Any) -> None:
        self.token, self.signing_secret = token, signing_secret
        self.budget, self.spent, self.window = budget, 0, 0.0
        self.users_auth = TokenHeader(scheme=None)
        super().__init__(**kit)
        self.cursors = Cursors(ttl=3600, clock=self.clock)
        self.queries: list[str] = []  # every document asked, to check clients against
        self.users, self.items = self.collection("users"), self.collection("items")
        self.me = self.add_user("hub@example.com", "Integration Hub")
        self.updates = Updates(self)
        self.users_auth.tokens[token] = self.me["id"]
        self.board = {"id": self.ids(), "name": "Marketing launch", "state": "active",
                      "board_kind": "public", "permissions": "everyone"}
        self.group = {"id": "topics", "title": "Launch", "color": "#579bfc", "position": "1",
                      "archived": False, "deleted": False}

    # -- what a person does ---------------------------------------------------------------
    def add_user(self, email: str, name: str) -> dict[str, Any]:
        """A person in the account (monday shows e-mails to API callers)."""
        with self.lock:
            return self.users.add({"email": email, "name": name, "enabled": True})

    def create_item(self, name: str, **columns: Any) -> dict[str, Any]:
        """Create an item as a person would: status (label), people (e-mails), date."""
        with self.lock:
            item = self.items.add({"name": name, "board_id": self.board["id"], "values": {}})
            self._set(item, self._friendly(columns), "create_pulse")
            return item

    def update_item(self, item_id: str, **columns: Any) -> dict[str, Any]:
        """Change an item's name or columns as a person would (webhooks fire)."""
        with self.lock:
            item = self.one(self.items, id=item_id)
            self._set(item, self._friendly(columns), "update_column_value")
            return item

    def add_update(self, item_id: str, text: str, *, author: str) -> str:
        """A person writes an update on an item (its body as monday's HTML); its id."""
        creator = self.one(self.users, email=author)["id"]
        return str(self.updates.add(item_id, f"<p>{text}</p>", creator)["id"])

    def item_updates(self, item_id: str) -> list[dict[str, Any]]:
        """An item's updates, oldest first."""
        return self.updates.of(item_id, limit=10_000)[::-1]

    def delete_item(self, item_id: str) -> None:
        """Delete an item (an `item_deleted` webhook)."""
        with self.lock:
            self.items.delete(self.one(self.items, id=item_id)["id"])
            self._publish("delete_pulse", item_id, {})

    @classmethod
    def from_options(cls, options: MondayOptions) -> MondaySandbox:
        sandbox = cls(token=options.token, signing_secret=options.signing_secret,
                      seed=options.seed)
        rng = random.Random(options.seed)
        for n in range(options.seed_items):
            sandbox.create_item(f"Launch asset {n + 1}", status=rng.choice(LABELS))
        return sandbox

    def welcome(self) -> list[str]:
        return [f"GraphQL: POST /v2, Authorization: {self.token}",
                f"board: {self.board['name']} ({self.board['id']}), {len(self.items)} items",
                f"webhook signing secret: {self.signing_secret}"]

    # -- the tool's faces -------------------------------------------------------------------
    def authentication(self) -> TokenHeader:
        return self.users_auth

    def error(self, status: int, message: str) -> ToolError:
        return ToolError(status, {"error_message": message, "status_code": status})

    def unauthorized(self) -> ToolError:
        return ToolError(401, {"errors": [{"message": "Not Authenticated",
                                           "extensions": {"code": "UNAUTHENTICATED"}}]})

    def fault_error(self, fault: Fault) -> ToolError:
        error = super().fault_error(fault)
        if fault.status == 429:
            error.body = {"errors": [{"message": "Rate Limit Exceeded",
                                      "extensions": {"code": "RATE_LIMIT_EXCEEDED"}}]}
        return error

    def sign_delivery(self, hook: Hook, body: bytes) -> dict[str, str]:
        return SIGNATURE.sign(self.signing_secret, {"aud": hook.url, "dat": {"app_id": 1}})

    def routes(self, api: APIRouter) -> None:
        @api.post("/v2")
        async def query(request: Request) -> Any:
            document = await request.json()
            text, variables = document.get("query", ""), document.get("variables") or {}
            self.queries.append(text)
            cost = 1000 + 10 * text.count("{")  # a rough complexity: nesting costs
            wait = self._spend(cost)
            if wait is not None:
                return JSONResponse({"errors": [{
                    "message": f"Complexity budget exhausted, query cost {cost} budget "
                               f"remaining {self.budget - self.spent} out of {self.budget} "
                               f"reset in {wait} seconds",
                    "extensions": {"code": "ComplexityException", "retry_in_seconds": wait}}]})
            result = await graphql(schema(), text, root_value=self._root(request),
                                   variable_values=variables)
            answer: dict[str, Any] = {"data": result.data,
                                      "account_id": 1}
            if result.errors:
                answer["errors"] = [e.formatted for e in result.errors]
            return answer

    # -- the board's behaviour ---------------------------------------------------------------
    def _root(self, request: Request) -> dict[str, Any]:
        caller = request.state.caller
        return {
            "me": lambda info: self.users.get(caller),
            "users": lambda info, ids=None, emails=None, **_: [
                u for u in self.users if (not ids or u["id"] in ids)
                and (not emails or u["email"] in emails)],
            "boards": lambda info, ids=None, **_: [self._board()]
            if not ids or self.board["id"] in ids else [],
            "items": lambda info, ids=None, **_: [self._item(i) for i in self.items
                                                  if not ids or i["id"] in ids],
            "next_items_page": lambda info, cursor, limit=25: self._page(None, limit, cursor),
            "complexity": lambda info: {"before": self.budget - self.spent, "after":
                                        self.budget - self.spent, "query": 0,
                                        "reset_in_x_seconds": 60},
            "webhooks": lambda info, board_id, **_: [
                {"id": h.id, "board_id": h.model, "event": h.extra["event"], "config": None}
                for h in self.webhooks.hooks() if h.model == str(board_id)],
            "create_item": lambda info, board_id, item_name, column_values=None, **_:
                self._item(self._create(item_name, _json(column_values))),
            "change_multiple_column_values": lambda info, board_id, column_values,
            item_id=None, **_: self._item(self._change(item_id, _json(column_values))),
            "delete_item": lambda info, item_id=None: self._item(self._delete(item_id)),
            "create_webhook": self._create_webhook,
            **self.updates.resolvers(caller),
        }

    def _board(self) -> dict[str, Any]:
        columns = [{"id": i, "title": t, "type": k, "archived": False, "settings_str": "{}"}
                   for i, t, k in COLUMNS]
        return {**self.board, "columns": columns, "groups": [self.group],
                "items_page": lambda info, limit=25, cursor=None, query_params=None:
                    self._page(query_params, limit, cursor),
                "url": f"https://aurora.monday.com/boards/{self.board['id']}"}

    def _page(self, query: dict[str, Any] | None, limit: int, cursor: str | None) -> Any:
        limit = min(limit, 500)
        try:
            if cursor:
                page, following = self.cursors.next(cursor, limit)
            else:
                page, following = self.cursors.first(self._matching(query), limit)
        except CursorExpired:
            raise ValueError("CursorExpiredError: the cursor is no longer valid (they live "
                             "60 minutes); query items_page again") from None
        return {"cursor": following, "items": [self._item(i) for i in page]}

    def _matching(self, query: dict[str, Any] | None) -> list[dict[str, Any]]:
        items = self.items.live()
        for rule in (query or {}).get("rules") or []:
            if rule.get("column_id") == "__last_updated__" and \
                    rule.get("operator") == "greater_than":
                since = str(rule["compare_value"][-1]).replace("Z", "+00:00")
                start = _epoch(since)
                items = [i for i in items if self.items.updated(i["id"]) > start]
        return items

    def _item(self, item: dict[str, Any]) -> dict[str, Any]:
        values = item["values"]
        updated = iso(self.items.updated(item["id"]))
        column_values = [self._value(i, k, values.get(i), updated) for i, _, k in COLUMNS[1:]]
        return {"id": item["id"], "name": item["name"], "state": "active",
                "created_at": iso(self.items.rows[item["id"]].created), "updated_at": updated,
                "url": f"https://aurora.monday.com/boards/{self.board['id']}/pulses/{item['id']}",
                "board": self.board, "group": self.group, "creator_id": self.me["id"],
                "email": f"pulse-{item['id']}@aurora.monday.com", "subscribers": [],
                "column_values": lambda info, ids=None, **_: [
                    c for c in column_values if not ids or c["id"] in ids],
                "updates": lambda info, limit=25, page=1, **_: self.updates.of(
                    item["id"], limit, page)}

    def _value(self, column: str, kind: str, value: Any, updated: str) -> dict[str, Any]:
        out: dict[str, Any] = {"__typename": {"status": "StatusValue", "people": "PeopleValue",
                                              "date": "DateValue"}.get(kind, "TextValue"),
                               "id": column, "type": kind, "updated_at": updated,
                               "value": json.dumps(value) if value is not None else None,
                               "column": {"id": column, "title": column, "type": kind,
                                          "archived": False, "settings_str": "{}"}}
        if kind == "status":
            out.update(text=(value or {}).get("label"), label=(value or {}).get("label"),
                       is_done=(value or {}).get("label") == "Done")
        elif kind == "people":
            people = (value or {}).get("personsAndTeams") or []
            out.update(persons_and_teams=people, text=", ".join(
                str((self.users.get(str(p["id"])) or {}).get("name")) for p in people))
        elif kind == "date":
            out.update(date=(value or {}).get("date"), text=(value or {}).get("date"))
        else:
            out["text"] = value
        return out

    def _create(self, name: str, columns: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            item = self.items.add({"name": name, "board_id": self.board["id"], "values": {}})
            self._set(item, columns, "create_pulse")
            return item

    def _change(self, item_id: str | None, columns: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            item = self.items.get(str(item_id))
            if item is None:
                raise ValueError(f"Item not found: {item_id}")
            self._set(item, columns, "update_column_value")
            return item

    def _delete(self, item_id: str | None) -> dict[str, Any]:
        with self.lock:
            item = self.items.get(str(item_id))
            if item is None:
                raise ValueError(f"Item not found: {item_id}")
            self.items.delete(item["id"])
            self._publish("delete_pulse", item["id"], {})
            return item

    def _set(self, item: dict[str, Any], columns: dict[str, Any], event: str) -> None:
        changes = {k: v for k, v in columns.items() if k != "name"}
        values = {**item["values"], **changes}
        unknown = set(changes) - {i for i, _, _ in COLUMNS}
        if unknown:
            raise ValueError(f"This column ID doesn't exist for the board: {sorted(unknown)}")
        old = self.items.update(item["id"], {"values": values,
                                             "name": columns.get("name", item["name"])})
        if event == "create_pulse":
            self._publish(event, item["id"], {"pulseName": item["name"]})
            return
        if "name" in old:  # monday tells a rename and a column change apart
            self._publish("update_name", item["id"], {"value": {"name": item["name"]}})
        if set(old) - {"name"}:
            self._publish(event, item["id"], {"pulseName": item["name"]})

    async def _create_webhook(self, info: Any, board_id: str, url: str, event: str,
                              config: Any = None) -> dict[str, Any]:
        if str(board_id) != self.board["id"]:
            raise ValueError(f"Board not found: {board_id}")
        try:
            hook = await self.register_hook(url, str(board_id), owner=f"{event}:{url}",
                                            check="challenge", extra={"event": event})
        except ToolError as exc:
            raise ValueError(f"Failed to create webhook: {exc.body}") from None
        return {"id": hook.id, "board_id": hook.model, "event": event, "config": None}

    def _publish(self, kind: str, item_id: str, data: dict[str, Any]) -> None:
        wanted = {"create_pulse": "create_item", "update_column_value": "change_column_value",
                  "update_name": "change_name", "delete_pulse": "item_deleted"}[kind]
        event = {"app": "monday", "type": kind, "triggerTime": iso(self.clock()),
                 "subscriptionId": 1, "userId": int(self.me["id"]), "boardId":
                 int(self.board["id"]), "pulseId": int(item_id), "triggerUuid":
                 self.ids(), **data}
        for hook in self.webhooks.watching(self.board["id"]):
            if hook.extra.get("event") == wanted:
                self.webhooks.publish_to(hook, {"event": {**event, "subscriptionId":
                                                          int(hook.id)}})

    def _spend(self, cost: int) -> int | None:
        """Seconds until the budget resets when `cost` doesn't fit in this minute's."""
        with self.lock:
            now = time.monotonic()
            if now - self.window >= 60:
                self.window, self.spent = now, 0
            if self.spent + cost > self.budget:
                return max(1, int(60 - (now - self.window)))
            self.spent += cost
            return None

    def _friendly(self, columns: dict[str, Any]) -> dict[str, Any]:
        out = dict(columns)
        if "status" in out:
            out["status"] = {"label": out["status"]}
        if "people" in out:
            out["person"] = {"personsAndTeams": [
                {"id": int(self.one(self.users, email=e)["id"]), "kind": "person"}
                for e in out.pop("people")]}
        if "date" in out:
            out["date"] = {"date": str(out["date"])}
        return out


def _json(value: Any) -> dict[str, Any]:
    found = json.loads(value) if isinstance(value, str) else (value or {})
    if not isinstance(found, dict):
        raise ValueError("column_values must be a JSON object")
    return found


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()

