"""The sandbox kit: what most tool sandboxes share (collections with ids, CRUD, paging styles,
an events log, auth schemes, signed webhooks with the tool's callback check, faults), so that
a tool's sandbox is mostly a description plus the tool's peculiar behaviour. See `app` for a
sandbox's shape, and `hub.testing.kit.openapi` to check answers against the tool's official
description."""

from __future__ import annotations

from hub.testing.kit.app import SlowAnswers, ToolError, ToolSandbox, admit, query_values
from hub.testing.kit.auth import BasicAuth, QueryKeys, TokenHeader, accounts_by_key
from hub.testing.kit.paging import CursorExpired, Cursors, by_offset, by_page
from hub.testing.kit.store import Collection, Event, EventLog, Ids, Row, iso
from hub.testing.kit.webhooks import Delivery, Hook, TargetRefused, Webhooks, check_target

__all__ = [
    "BasicAuth", "Collection", "CursorExpired", "Cursors", "Delivery", "Event", "EventLog",
    "Hook", "Ids", "QueryKeys", "Row", "SlowAnswers", "TargetRefused", "TokenHeader",
    "ToolError", "ToolSandbox", "Webhooks", "accounts_by_key", "admit", "by_offset", "by_page",
    "check_target", "iso", "query_values",
]
