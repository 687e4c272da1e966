"""RFC 9457 problem details: every error answer says what went wrong in words a person can use."""

from __future__ import annotations

from fastapi.responses import JSONResponse


def problem(status: int, title: str, detail: str) -> JSONResponse:
    """An `application/problem+json` answer."""
    return JSONResponse({"type": "about:blank", "title": title, "status": status,
                         "detail": detail}, status_code=status,
                        media_type="application/problem+json")
