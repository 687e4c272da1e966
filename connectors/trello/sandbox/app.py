"""A faithful Trello sandbox on the sandbox kit: one board's cards, lists, labels and members
under `/1` (shared/specs/trello-openapi.json), key and token in the query, the board's actions
feed, webhooks HEAD-checked on creation and signed base64(HMAC-SHA1(secret, body + callback
URL)) in `X-Trello-Webhook`, and 429s without rate-limit headers. Python methods act as a
person in Trello (`create_card("Poster", members=["ana@acme.example"])`)."""

from __future__ import annotations

import random
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from pydantic import Field

from connectors.trello.sandbox.comments import add_comment, comment_routes, comments_of
from hub.sdk.signatures import HmacSignature
from hub.testing.faults import Fault
from hub.testing.kit import Event, Hook, QueryKeys, ToolError, ToolSandbox, iso, query_values
from hub.testing.served import SandboxOptions

SIGNATURE = HmacSignature("X-Trello-Webhook", "sha1", "base64", parts=("body", "url"))
LISTS = ("To Do", "Doing", "Review", "Done")
LABELS = {"green": "Launch", "red": "Blocked", "blue": "Print"}
CARD_FIELDS = ("name", "desc", "idList", "idMembers", "idLabels", "due", "start", "dueComplete",
               "closed", "pos")


class TrelloOptions(SandboxOptions):
    """`hub sandbox trello` options."""

    seed_cards: int = Field(default=0, description="cards to seed on the board")
    key: str = Field(default="trello-key", description="the API key")
    token: str = Field(default="trello-token", description="the member's token")
    secret: str = Field(default="trello-secret", description="the app secret signing webhooks")


class TrelloSandbox(ToolSandbox):
    """A Trello sandbox: a board's cards, lists, labels, members, actions, signed webhooks."""

    title: ClassVar[str] = "Trello"
    default_port: ClassVar[int] = 8084
    options: ClassVar[type[SandboxOptions]] = TrelloOptions
    api_prefix: ClassVar[str] = "/1"
    not_found: ClassVar[str] = "The requested resource was not found."

    def __init__(self, *, key: str = "trello-key", token: str = "trello-token",  # noqa: S107
                 secret: str = "trello-secret", board: str = "Design",  # noqa: S107
                 account: tuple[str, str] = ("hub@example.com", "Integration Hub"),
                 **kit: Any) -> None:
        self.key, self.token, self.secret = key, token, secret
        self.keys = QueryKeys(("key", "token"))
        super().__init__(**kit)
        self.boards, self.members = self.collection("boards"), self.collection("members")
        self.lists, self.labels = self.collection("lists"), self.collection("labels")
        self.cards = self.collection("cards")
        self.me = self.add_member(*account)  # whose token the hub holds
        self.keys.accounts[(key, token)] = self.me["id"]
        self.board = self.boards.add({"name": board, "desc": "", "closed": False})
        self.board["url"] = self.board["shortUrl"] = f"https://trello.com/b/{self.board['id'][-8:]}"
        for pos, name in enumerate(LISTS):
            self.lists.add({"name": name, "closed": False, "idBoard": self.board["id"],
                            "pos": 16384 * (pos + 1)})
        for color, name in LABELS.items():
            self.labels.add({"idBoard": self.board["id"], "name": name, "color": color})

    def add_member(self, email: str, full_name: str, username: str | None = None) -> dict[str, Any]:
        """A board member (Trello shows their e-mail to themselves only)."""
        with self.lock:
            return self.members.add({"fullName": full_name, "email": email,
                                     "username": username or email.split("@")[0]})

    def create_card(self, name: str, *, list_name: str = "To Do", actor: str | None = None,
                    **fields: Any) -> dict[str, Any]:
        """Create a card as a person would; members by e-mail, labels by name."""
        values = {"name": name, "idList": self.one(self.lists, name=list_name)["id"]}
        return self._create({**values, **self._friendly(fields)}, self._member(actor))

    def update_card(self, card_id: str, *, list_name: str | None = None, actor: str | None = None,
                    **fields: Any) -> dict[str, Any]:
        """Change a card as a person would; `list_name` moves it."""
        values = self._friendly(fields)
        if list_name:
            values["idList"] = self.one(self.lists, name=list_name)["id"]
        return self._update(self.one(self.cards, id=card_id), values, self._member(actor))

    def delete_card(self, card_id: str, *, actor: str | None = None) -> None:
        """Delete a card for good (a `deleteCard` action)."""
        with self.lock:
            card = self.cards.delete(self.one(self.cards, id=card_id)["id"])
            self._act("deleteCard", self._member(actor), card={"id": card["id"]},
                      list={"id": card["idList"]})

    @classmethod
    def from_options(cls, options: TrelloOptions) -> TrelloSandbox:
        sandbox = cls(key=options.key, token=options.token, secret=options.secret,
                      seed=options.seed)
        rng = random.Random(options.seed)
        for n in range(options.seed_cards):
            sandbox.create_card(f"{rng.choice(['Poster', 'Banner', 'Mock-up'])} {n + 1}",
                                list_name=rng.choice(LISTS))
        return sandbox

    def welcome(self) -> list[str]:
        return [f"API base: /1, ?key={self.key}&token={self.token}, webhook secret: {self.secret}",
                f"board: {self.board['name']} ({self.board['id']}), {len(self.cards)} cards"]

    def authentication(self) -> QueryKeys:
        return self.keys

    def error(self, status: int, message: str) -> ToolError:
        return ToolError(status, message)  # Trello answers most errors as plain text

    def fault_error(self, fault: Fault) -> ToolError:
        if fault.status == 429:  # no Retry-After, no rate-limit headers: Trello sends none
            return ToolError(429, {"error": "API_TOKEN_LIMIT_EXCEEDED",
                                   "message": "Rate limit exceeded for the token"})
        return ToolError(fault.status, "Internal Server Error")

    def sign_delivery(self, hook: Hook, body: bytes) -> dict[str, str]:
        return SIGNATURE.sign(self.secret, body, url=hook.url)

    def add_comment(self, card_id: str, text: str, *, actor: str | None = None) -> str:
        """Comment on a card as a member would (webhook `commentCard`); the action's id."""
        return add_comment(self, self.one(self.cards, id=card_id), text, self._member(actor)).id

    def comments(self, card_id: str) -> list[dict[str, Any]]:
        """A card's comment actions, oldest first."""
        return [self._action_json(e) for e in comments_of(self, card_id)]

    def routes(self, api: APIRouter) -> None:
        comment_routes(self, api)

        @api.get("/members/{member_id}")
        async def member(member_id: str, request: Request) -> Any:
            found = self.me if member_id == "me" else self.one(self.members, id=member_id)
            return self._member_json(found, request.state.caller)

        @api.get("/boards/{boardId}/actions")  # the description's own parameter name
        async def actions(boardId: str, request: Request) -> Any:
            self.one(self.boards, id=boardId)
            return [self._action_json(e) for e in self.events.feed(request.query_params)]

        @api.get("/boards/{board_id}")
        @api.get("/boards/{board_id}/{what}")
        async def board(board_id: str, request: Request, what: str = "") -> Any:
            found = self.one(self.boards, id=board_id)
            if not what:
                return found
            if what == "members":
                return [self._member_json(m, request.state.caller) for m in self.members]
            if what not in ("cards", "lists", "labels"):
                raise self.error(404, self.not_found)
            return [self._render(c) for c in self.cards] if what == "cards" \
                else getattr(self, what).live()

        @api.api_route("/cards/{card_id}", methods=["GET", "PUT"])
        async def card(card_id: str, request: Request) -> Any:
            found = self.one(self.cards, id=card_id)
            if request.method == "PUT":
                self._update(found, _values(request), request.state.caller)
            return self._render(found)

        @api.post("/cards")
        async def create(request: Request) -> Any:
            values = _values(request)
            if self.lists.find(id=values.get("idList")) is None:
                raise self.error(400, "invalid value for idList")
            return self._render(self._create(values, request.state.caller))

        @api.delete("/cards/{card_id}")
        async def delete(card_id: str, request: Request) -> Any:
            self.delete_card(card_id, actor=request.state.caller)
            return {"limits": {}}

        @api.get("/tokens/{token}/webhooks")
        async def hooks(token: str) -> Any:
            return [_hook_json(h) for h in self.webhooks.hooks() if h.owner == token]

        @api.post("/webhooks/")
        async def add_hook(request: Request) -> Any:
            query = request.query_params
            return _hook_json(await self.register_hook(
                query.get("callbackURL", ""), query.get("idModel", ""), owner=query["token"],
                check="head", description=query.get("description", "")))

        @api.delete("/webhooks/{hook_id}")
        async def remove_hook(hook_id: str) -> Any:
            if not self.webhooks.remove(hook_id):
                raise self.error(404, self.not_found)
            return {}

    def _create(self, values: dict[str, Any], actor: str) -> dict[str, Any]:
        with self.lock:
            card = self.cards.add({"name": "", "desc": "", "closed": False, "idMembers": [],
                                   "idLabels": [], "due": None, "start": None,
                                   "dueComplete": False, "idBoard": self.board["id"],
                                   "pos": 16384 * (len(self.cards.rows) + 1), **values})
            card.update(idShort=len(self.cards.rows), shortLink=card["id"][-8:],
                        shortUrl=f"https://trello.com/c/{card['id'][-8:]}")
            self._act("createCard", actor, card=_ref(card), list={"id": card["idList"]})
            return card

    def _update(self, card: dict[str, Any], values: dict[str, Any], actor: str) -> dict[str, Any]:
        with self.lock:
            old = self.cards.update(card["id"], values)
            if old:
                moved = {"listBefore": {"id": old["idList"]}, "listAfter": {"id": card["idList"]}} \
                    if "idList" in old else {}
                self._act("updateCard", actor, card={**_ref(card), **values}, old=old, **moved)
            return card

    def _act(self, kind: str, actor: str, **data: Any) -> None:
        event = self.events.append(kind, {**data, "board": {"id": self.board["id"],
                                                            "name": self.board["name"]}})
        event.data["idMemberCreator"] = actor
        self.webhooks.publish([self.board["id"]], {"action": self._action_json(event),
                                                   "model": self.board})

    def _render(self, card: dict[str, Any]) -> dict[str, Any]:
        return {**card, "labels": [self.labels.get(i) for i in card["idLabels"]],
                "url": card["shortUrl"], "dateLastActivity": iso(self.cards.updated(card["id"]))}

    def _action_json(self, event: Event) -> dict[str, Any]:
        creator = self.members.get(event.data["idMemberCreator"]) or {}
        return {"id": event.id, "idMemberCreator": creator.get("id"), "type": event.type,
                "date": iso(event.date),
                "data": {k: v for k, v in event.data.items() if k != "idMemberCreator"},
                "memberCreator": {k: creator.get(k) for k in ("id", "fullName", "username")}}

    def _member_json(self, member: dict[str, Any], caller: str) -> dict[str, Any]:
        return {k: v for k, v in member.items() if k != "email" or member["id"] == caller}

    def _friendly(self, fields: dict[str, Any]) -> dict[str, Any]:
        if "members" in fields:
            fields["idMembers"] = [self._member(e) for e in fields.pop("members")]
        if "labels" in fields:
            fields["idLabels"] = [self.one(self.labels, name=n)["id"] for n in fields.pop("labels")]
        return fields

    def _member(self, who: str | None) -> str:
        """A member's id from their id or e-mail (the hub's account when None)."""
        found = self.me if who is None else self.members.find(id=who)
        return str((found or self.one(self.members, email=who))["id"])


def _values(request: Request) -> dict[str, Any]:
    return query_values(request.query_params, CARD_FIELDS, lists=("idMembers", "idLabels"),
                        flags=("closed", "dueComplete"), nullable=("due", "start"))


def _ref(card: dict[str, Any]) -> dict[str, Any]:
    return {k: card[k] for k in ("id", "name", "idShort", "shortLink")}


def _hook_json(hook: Hook) -> dict[str, Any]:
    return {"id": hook.id, "description": hook.description, "idModel": hook.model,
            "callbackURL": hook.url, "active": hook.active, "consecutiveFailures": 0,
            "firstConsecutiveFailDate": None}
