"""A local SMTP server (aiosmtpd) that records the mail it is given, with optional login:
tests and the demo send e-mail to it. aiosmtpd is a development dependency."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from hub.testing.server import free_port


@dataclass
class Mailbox:
    """What the server accepted."""

    messages: list[EmailMessage] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(users: dict[str, str] | None = None) -> Iterator[Mailbox]:
    """An SMTP server on a free local port until the block ends; `users` (name -> password)
    makes it check logins (without TLS: it listens on loopback only)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox(port=free_port())

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and users is not None and \
            users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False)

    kwargs: dict[str, Any] = {}
    if users:
        # Login is offered and checked; requiring it without TLS makes aiosmtpd warn at
        # every connection, so a sender that skips it is let through (tests log in).
        kwargs = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(box, hostname=box.host, port=box.port, **kwargs)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
