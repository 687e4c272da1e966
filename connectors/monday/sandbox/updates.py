"""Item updates (monday.com's comments) in the sandbox: the `updates` of an item and of the
account, and the `create_update`, `edit_update` and `delete_update` mutations, typed by
monday's own schema like every answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.testing.kit import iso

if TYPE_CHECKING:
    from connectors.monday.sandbox.app import MondaySandbox


class Updates:
    """Every update of the account, by id."""

    def __init__(self, sandbox: MondaySandbox) -> None:
        self.sandbox = sandbox
        self.by_id: dict[str, dict[str, Any]] = {}

    def add(self, item_id: str, body: str, creator: str) -> dict[str, Any]:
        """A new update on an item (a person's, or the caller's)."""
        sandbox = self.sandbox
        with sandbox.lock:
            sandbox.one(sandbox.items, id=str(item_id))
            if not body.strip():
                raise ValueError("Update body can't be empty")
            now = iso(sandbox.clock())
            update = {"id": sandbox.ids(), "item_id": str(item_id), "body": body,
                      "creator_id": creator, "created_at": now, "updated_at": now,
                      "edited_at": now}
            self.by_id[update["id"]] = update
            return update

    def edit(self, update_id: str, body: str, caller: str) -> dict[str, Any]:
        """Its creator changes an update."""
        with self.sandbox.lock:
            update = self._get(update_id)
            if update["creator_id"] != caller:
                raise ValueError("User unauthorized to perform action")
            now = iso(self.sandbox.clock())
            update.update(body=body, updated_at=now, edited_at=now)
            return update

    def delete(self, update_id: str) -> dict[str, Any]:
        with self.sandbox.lock:
            return self.by_id.pop(self._get(update_id)["id"])

    def of(self, item_id: str, limit: int = 25, page: int = 1) -> list[dict[str, Any]]:
        """An item's updates, newest first (monday's order), one page."""
        found = sorted((u for u in self.by_id.values() if u["item_id"] == str(item_id)),
                       key=lambda u: (u["created_at"], int(u["id"])), reverse=True)
        start = (max(page, 1) - 1) * limit
        return [self.render(u) for u in found[start:start + limit]]

    def render(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update as the schema's `Update`."""
        text = update["body"]
        creator = self.sandbox.users.get(update["creator_id"])
        return {**update, "text_body": text, "creator": creator, "replies": [], "assets": [],
                "likes": [], "pinned_to_top": [], "viewers": []}

    def _get(self, update_id: str) -> dict[str, Any]:
        found = self.by_id.get(str(update_id))
        if found is None:
            raise ValueError(f"Update not found: {update_id}")
        return found

    def resolvers(self, caller: str) -> dict[str, Any]:
        """The root fields of updates, for the caller."""
        return {
            "updates": lambda info, ids=None, limit=25, page=1, **_: [
                self.render(u) for u in self.by_id.values() if not ids or u["id"] in ids
            ][(page - 1) * limit:page * limit],
            "create_update": lambda info, body, item_id=None, parent_id=None:
                self.render(self.add(str(item_id), body, caller)),
            "edit_update": lambda info, id, body: self.render(self.edit(id, body, caller)),
            "delete_update": lambda info, id: self.render(self.delete(id)),
        }
