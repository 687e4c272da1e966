"""What Trello's manifest can't say: members' e-mails, which Trello shows to their owner only
(the `members:` setting fills them in, by username or id), the Jira key a card names in its
description (`Jira: LAUNCH-12`), and the list a new card needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

JIRA_KEY = re.compile(r"^Jira:\s*([A-Z][A-Z0-9]+-\d+)\s*$", re.MULTILINE)


def _email(connector: Any, member: Mapping[str, Any]) -> str | None:
    known: Mapping[str, str] = connector.config.members
    return member.get("email") or known.get(str(member.get("username"))) \
        or known.get(str(member.get("id")))


def record(connector: Any, remote_type: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Members get their e-mail; cards the Jira key their description names."""
    out = dict(raw)
    if remote_type == "member":
        out["email"] = _email(connector, raw)
    else:
        found = JIRA_KEY.search(str(raw.get("desc") or ""))
        out["jira_key"] = found.group(1) if found else None
    return out


def lookups(connector: Any, rows: Mapping[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Members' e-mails from the `members:` setting."""
    return {"members": {str(m["id"]): email for m in rows.get("members", [])
                        if (email := _email(connector, m))}}


def patch(connector: Any, remote_type: str, patch: dict[str, Any], *, hub_id: str | None,
          create: bool) -> dict[str, Any]:
    """A new card goes to `create_list` unless its status names one."""
    if create and "idList" not in patch:
        table = connector.lookups["lists"]
        patch["idList"] = table.remote_id(connector.config.create_list)
    return patch
