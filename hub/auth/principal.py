"""The caller of an API request, as its token describes it, and what each role may do.

Roles: admin (everything, connector actions included), manager (read all, write projects and
tasks, resolve conflicts), department (read and write its own department's records), partner
(read only the projects shared with it; people by display name only), viewer (read only).
Which records and fields each role reads is `hub.auth.policy` (and `hub.query.scope`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.store.auth import Role

#: roles that may read sync health (connectors, quarantine, failed pushes, metrics)
OPERATIONS_READERS = frozenset({Role.admin, Role.manager, Role.viewer})
#: roles that may change records (within what they see)
WRITERS = frozenset({Role.admin, Role.manager, Role.department})


@dataclass(frozen=True)
class Principal:
    """A token's identity and scope."""

    token_id: str
    name: str
    role: Role
    department: str | None = None
    partner: str | None = None
    projects: tuple[str, ...] = ()
    expires_at: datetime | None = None
    #: how the caller reaches the hub: `api` (a token) or `cli` (an operator at the console)
    channel: str = "api"

    @property
    def source(self) -> str:
        """How the hub records changes this caller makes (audit, provenance)."""
        return f"{self.channel}:{self.name}"

    @property
    def sees_everything(self) -> bool:
        """Unscoped readers: admin, manager, viewer."""
        return self.role in OPERATIONS_READERS

    @property
    def may_write(self) -> bool:
        return self.role in WRITERS

    @property
    def may_read_operations(self) -> bool:
        return self.role in OPERATIONS_READERS

    @property
    def may_operate(self) -> bool:
        """Connector actions: trigger a sync, retry failed pushes."""
        return self.role is Role.admin
