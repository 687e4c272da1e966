"""A local SMTP server (aiosmtpd) that records the mail it is given, with optional login:
tests and the demo send e-mail to it. aiosmtpd is a development dependency."""

from __future__ import annotations

import warnings
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
    makes it require a login (allowed without TLS here: it listens on loopback only)."""
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
        kwargs = {"authenticator": authenticate, "auth_require_tls": False,
                  "auth_required": True}
    controller = Controller(box, hostname=box.host, port=box.port, **kwargs)
    with warnings.catch_warnings():
        # login without TLS is what a loopback test server may allow; aiosmtpd warns of it
        warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
        controller.start()
    try:
        yield box
    finally:
        controller.stop()
