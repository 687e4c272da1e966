"""The caller of an API request, as its token describes it, and what each role may do.

Roles: admin (everything, connector actions included), manager (read all, write projects and
tasks, resolve conflicts), department (read and write its own department's records), partner
(read only the projects shared with it; people by display name only), viewer (read only).
Which records and fields each role reads is `hub.auth.policy` (and `hub.query.scope`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    #: a person signed in through single sign-on: the provider's name in the config, its
    #: issuer URL and the person's subject there (None for hub tokens)
    provider: str | None = None
    issuer: str | None = None
    subject: str | None = None

    @property
    def source(self) -> str:
        """How the hub records changes this caller makes (audit, provenance): a token by its
        name, a person of an identity provider by the provider and subject (`sso:kc#<sub>`)."""
        if self.subject is None:
            return f"{self.channel}:{self.name}"
        source = f"sso:{self.provider}#{self.subject}"
        if len(source) > 64:  # the audit column's width; a long subject is known by its hash
            hashed = hashlib.sha256(self.subject.encode()).hexdigest()[:40]
            source = f"sso:{self.provider}#{hashed}"
        return source

    @property
    def actor(self) -> dict[str, Any] | None:
        """The person behind a change, for the audit entry (None for hub tokens: their name is
        in `source`)."""
        if self.subject is None:
            return None
        return {"issuer": self.issuer, "subject": self.subject, "name": self.name,
                "via": self.channel}

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
