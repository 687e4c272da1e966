"""Jira's error answers: an `ErrorCollection` body (`errorMessages`, `errors`) and a status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_FOUND = "Issue does not exist or you do not have permission to see it."
NOT_AUTHENTICATED = "Client must be authenticated to access this resource."


class JiraApiError(Exception):
    """An answer other than success, as Jira words it."""

    def __init__(self, status: int, messages: list[str] | None = None,
                 errors: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.messages = list(messages or [])
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {'; '.join(self.messages + list(self.errors.values()))}")

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body Jira sends."""
        return {"errorMessages": self.messages, "errors": self.errors}


def field_error(field: str, message: str) -> JiraApiError:
    """A 400 about one field."""
    return JiraApiError(400, errors={field: message})


def not_found(message: str = NOT_FOUND) -> JiraApiError:
    """A 404 with Jira's wording."""
    return JiraApiError(404, [message])


def cannot_set(field: str) -> JiraApiError:
    """What Jira answers for a field that is unknown or not on the edit screen (e.g. status)."""
    return field_error(field, f"Field '{field}' cannot be set. It is not on the appropriate "
                              "screen, or unknown.")
