"""Keep secrets out of logs and output: every known secret value is replaced by `***`."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

MASK = "***"
_MIN_LENGTH = 4  # shorter "secrets" would mask ordinary text
#: secrets no config names: JWTs (SSO tokens) anywhere, and OAuth codes, tokens and client
#: secrets in query strings and forms (a debug access log prints /ui/sso/...?code=...)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_OAUTH_PARAMS = re.compile(r"([?&](?:code|access_token|id_token|id_token_hint|"
                           r"refresh_token|client_secret|code_verifier)=)[^&\s\"']+")


class Redactor:
    """Replaces registered secret values in text. One process-wide instance: `REDACTOR`."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def register(self, secrets: Iterable[str]) -> None:
        """Add values to hide from now on."""
        with self._lock:
            self._secrets |= {s for s in secrets if s and len(s) >= _MIN_LENGTH}

    def clear(self) -> None:
        """Forget every registered value (tests)."""
        with self._lock:
            self._secrets.clear()

    def __call__(self, text: str) -> str:
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        if "eyJ" in text:
            text = _JWT.sub(MASK, text)
        if "=" in text:
            text = _OAUTH_PARAMS.sub(rf"\g<1>{MASK}", text)
        return text


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the final message and in exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = REDACTOR(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = REDACTOR(formatted)
            record.exc_info = None
        return True
