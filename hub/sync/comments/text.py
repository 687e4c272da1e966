"""The attribution line the hub writes above a comment from another tool, and reading it back.

"Ana Lima (in Jira): the spec is final" is posted by the hub's own account: nobody's name is
faked, and the hub knows the comment for its own when it comes back.
"""

from __future__ import annotations

import re
from typing import Any

from hub.sdk.comments import Attachment, CommentWrite, Mention

_ATTRIBUTION = re.compile(r"^(?P<author>[^\n]{1,200}?) \(in (?P<tool>[^)\n]{1,60})\): ?",
                          re.DOTALL)


def attributed(author: str | None, tool: str, body: str) -> str:
    """The text the hub posts for a comment `author` wrote in `tool`."""
    return f"{author or 'Someone'} (in {tool}): {body}"


def unattributed(text: str) -> str:
    """The comment's own text, without the hub's attribution line (when it has one)."""
    found = _ATTRIBUTION.match(text)
    return text[found.end():] if found else text


def attachment_text(attachment: Attachment) -> str:
    """An attachment as a line of text with its link: "report.pdf (12 KB, application/pdf):
    https://...". The bytes stay where they are."""
    details = [d for d in (_size(attachment.size), attachment.media_type) if d]
    suffix = f" ({', '.join(details)})" if details else ""
    return f"attached {attachment.name}{suffix}: {attachment.url}"


def _size(size: int | None) -> str | None:
    if size is None:
        return None
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024  # type: ignore[assignment]
    return None  # pragma: no cover


def writing(author: str | None, tool: str, body: str,
            mentions: list[dict[str, Any]]) -> CommentWrite:
    """What the hub posts for a canonical comment."""
    return CommentWrite(attributed(author, tool, body), tuple(
        Mention(str(m.get("name") or ""), m.get("email")) for m in mentions if m.get("name")))
