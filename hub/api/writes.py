"""What the write routes share: their documented answers, and waking the runner afterwards."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from hub.api.problems import PROBLEM_RESPONSES, problem_response
from hub.sync.runner import EmbeddedRunner

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    400: problem_response("malformed If-Match or query"),
    409: problem_response("the action conflicts with the current state"),
    412: problem_response("the record changed since your GET (stale ETag)"),
    422: problem_response("a field can't take the value; the problem names it"),
    428: problem_response("If-Match is missing"),
    503: problem_response("this server runs no sync engine or workers"),
}
PATCH_BODY = {"status": {"summary": "change the status and due date",
                         "value": {"status": "in_progress", "due_date": "2026-12-01"}}}


async def after_write(request: Request) -> None:
    """Let the background runner (if this server runs one) push the change now rather than at
    its next sweep. (Scaled out, the change's own transaction asked for its pushes.)"""
    runner = getattr(request.app.state, "runner", None)
    if isinstance(runner, EmbeddedRunner):
        await runner.sweep()
