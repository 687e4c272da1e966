"""`MappingError`: a remote record (or a canonical value) the mapping cannot translate.

The sync engine quarantines the record with `str(error)`, so the text names the canonical field,
the remote path and the value, for every bad field of the record at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hub.errors import HubError

_SHOWN = 80


def show(value: Any) -> str:
    """A short, quoted rendering of a remote value for messages: `"Blocked"`, `42`, `{"a": 1}`."""
    if isinstance(value, str | dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


class MappingError(HubError):
    """A field that can't be mapped: `status: "Blocked" at fields.status is not in the value map`.

    `field` is the canonical field, `path` the remote path (None when not from a path), `value`
    what was found and `reason` what is wrong. An error about several fields of one record has
    them in `problems`; its `reason` joins their texts with "; ".
    """

    def __init__(self, field: str, reason: str, *, path: str | None = None, value: Any = None,
                 problems: Sequence[MappingError] = ()) -> None:
        self.field = field
        self.path = path
        self.value = value
        self.reason = reason
        self.problems: list[MappingError] = list(problems) or [self]
        super().__init__(reason if problems else f"{field}: {reason}" if field else reason)

    @classmethod
    def combine(cls, errors: Sequence[MappingError]) -> MappingError:
        """One error for all bad fields of a record (the error itself when there is one)."""
        if len(errors) == 1:
            return errors[0]
        flat = [p for e in errors for p in e.problems]
        return cls(", ".join(p.field for p in flat), "; ".join(str(p) for p in flat),
                   problems=flat)
