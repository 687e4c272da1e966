"""Asana's error answers: `{"errors": [{"message", "help", "phrase"?}]}` and a status."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

HELP = ("For more information on API status codes and how to handle them, read the docs on "
        "errors: https://developers.asana.com/docs/errors")
NOT_AUTHORIZED = "Not Authorized"
PHRASE_WORDS = ["sad", "happy", "sleepy", "brave", "squid", "otter", "panda", "falcon",
                "snuggle", "dance", "juggle", "wander", "softly", "loudly", "quietly"]


class AsanaApiError(Exception):
    """An answer other than success, as Asana words it."""

    def __init__(self, status: int, message: str, *,
                 headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})  # e.g. the fresh `sync` token of a 412
        super().__init__(f"{status}: {message}")

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body Asana sends (5xx carry a support phrase)."""
        error: dict[str, Any] = {"message": self.message}
        if self.status >= 500:
            words = random.Random(self.message).sample(PHRASE_WORDS, 4)
            error["phrase"] = f"{random.randint(1, 99)} {' '.join(words)}"
        else:
            error["help"] = HELP
        return {**self.extra, "errors": [error]}


def bad_request(message: str) -> AsanaApiError:
    """A 400, e.g. `project: Missing input`."""
    return AsanaApiError(400, message)


def unknown_object(gid: str, kind: str = "") -> AsanaApiError:
    """Asana's 404 for a gid it does not know."""
    prefix = f"{kind}: " if kind else ""
    return AsanaApiError(404, f"{prefix}Unknown object: {gid}")
