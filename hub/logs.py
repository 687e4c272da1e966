"""Logging set-up: plain text for people, JSON lines for log shippers; secrets always masked."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from hub.redact import RedactingFilter

#: the id of the API request being served, on every log line written while serving it
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed in `extra=` and is worth showing.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with any `extra=` fields (e.g. request_id) kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to records logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


def configure(level: str = "info", fmt: str = "text") -> None:
    """Route every logger (the hub's, uvicorn's, httpx's) through one redacting handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Libraries that narrate routine work at info (APScheduler: two lines per job run, every
    # few seconds): a person reads their warnings, or everything at debug.
    for chatty in ("httpx", "alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(
            logging.NOTSET if root.level <= logging.DEBUG else max(logging.WARNING, root.level))
