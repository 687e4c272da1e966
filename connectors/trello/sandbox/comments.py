"""Card comments in the Trello sandbox: `commentCard` actions, listed with
`GET /cards/{id}/actions?filter=commentCard` (newest first), written with
`POST /cards/{id}/actions/comments`, `PUT|DELETE /cards/{id}/actions/{idAction}/comments`;
each write is an action on the board (`commentCard`, `updateComment`, `deleteComment`) sent to
its webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from hub.testing.kit import Event, iso

if TYPE_CHECKING:
    from connectors.trello.sandbox.app import TrelloSandbox

COMMENT = "commentCard"


def comments_of(sandbox: TrelloSandbox, card_id: str) -> list[Event]:
    """The card's comment actions, oldest first."""
    return [e for e in sandbox.events.events
            if e.type == COMMENT and e.data.get("card", {}).get("id") == card_id]


def add_comment(sandbox: TrelloSandbox, card: dict[str, Any], text: str, actor: str) -> Event:
    """A member comments on a card."""
    if not text.strip():
        raise sandbox.error(400, "invalid value for text")
    with sandbox.lock:
        event = sandbox.events.append(COMMENT, {
            "text": text, "card": {k: card[k] for k in ("id", "name", "idShort", "shortLink")},
            "board": {"id": sandbox.board["id"], "name": sandbox.board["name"]},
            "list": {"id": card["idList"]}, "idMemberCreator": actor})
        _publish(sandbox, event)
        return event


def edit_comment(sandbox: TrelloSandbox, event: Event, text: str, actor: str) -> Event:
    """Its author changes a comment (Trello lets no one else)."""
    if event.data["idMemberCreator"] != actor:
        raise sandbox.error(401, "unauthorized comment permission requested")
    if not text.strip():
        raise sandbox.error(400, "invalid value for text")
    with sandbox.lock:
        old = event.data["text"]
        event.data.update(text=text, dateLastEdited=iso(sandbox.clock()))
        _publish(sandbox, sandbox.events.append("updateComment", {
            "action": {"id": event.id, "text": text}, "old": {"text": old},
            "card": event.data["card"], "board": event.data["board"], "idMemberCreator": actor}))
        return event


def delete_comment(sandbox: TrelloSandbox, event: Event, actor: str) -> None:
    """A comment goes (its action leaves the board's actions)."""
    with sandbox.lock:
        sandbox.events.events.remove(event)
        _publish(sandbox, sandbox.events.append("deleteComment", {
            "action": {"id": event.id}, "card": event.data["card"],
            "board": event.data["board"], "idMemberCreator": actor}))


def _publish(sandbox: TrelloSandbox, event: Event) -> None:
    sandbox.webhooks.publish([sandbox.board["id"]], {"action": sandbox._action_json(event),
                                                     "model": sandbox.board})


def comment_routes(sandbox: TrelloSandbox, api: APIRouter) -> None:
    """The comment endpoints, on the sandbox's API router."""

    def find(card_id: str, action_id: str) -> Event:
        sandbox.one(sandbox.cards, id=card_id)
        found = next((e for e in comments_of(sandbox, card_id) if e.id == action_id), None)
        if found is None:
            raise sandbox.error(404, sandbox.not_found)
        return found

    @api.get("/cards/{id}/actions")
    async def card_actions(id: str, request: Request) -> Any:
        sandbox.one(sandbox.cards, id=id)
        wanted = set(request.query_params.get("filter", COMMENT).split(","))
        found = [e for e in sandbox.events.events if e.data.get("card", {}).get("id") == id
                 and ("all" in wanted or e.type in wanted)]
        page = int(request.query_params.get("page", "0") or 0)
        return [sandbox._action_json(e) for e in found[::-1][page * 50:(page + 1) * 50]]

    @api.post("/cards/{id}/actions/comments")
    async def post_comment(id: str, request: Request) -> Any:
        card = sandbox.one(sandbox.cards, id=id)
        event = add_comment(sandbox, card, request.query_params.get("text", ""),
                            request.state.caller)
        return sandbox._action_json(event)

    @api.put("/cards/{id}/actions/{idAction}/comments")
    async def put_comment(id: str, idAction: str, request: Request) -> Any:
        event = edit_comment(sandbox, find(id, idAction), request.query_params.get("text", ""),
                             request.state.caller)
        return sandbox._action_json(event)

    @api.delete("/cards/{id}/actions/{idAction}/comments")
    async def remove_comment(id: str, idAction: str, request: Request) -> Any:
        delete_comment(sandbox, find(id, idAction), request.state.caller)
        return {"limits": {}}
