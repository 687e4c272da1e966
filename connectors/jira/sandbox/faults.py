"""Jira's faces for the shared fault knobs (`hub.testing.faults`): its error bodies, and its
429 headers (`Retry-After`, `X-RateLimit-*`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.jira.sandbox.errors import JiraApiError
from hub.testing.faults import Fault, Faults, retry_after_header

__all__ = ["Faults", "raise_fault"]

RATE_LIMITED = "Rate limit exceeded."
UNAVAILABLE = "The service is temporarily unavailable. Please try again later."


def raise_fault(fault: Fault | None) -> None:
    """Answer as Jira would when this call gets `fault`."""
    if fault is None:
        return
    if fault.status != 429 or fault.retry_after is None:
        raise JiraApiError(fault.status, [UNAVAILABLE])
    reset = datetime.now(UTC) + timedelta(seconds=fault.retry_after)
    raise JiraApiError(429, [RATE_LIMITED], headers={
        "Retry-After": retry_after_header(fault.retry_after),
        "X-RateLimit-Limit": str(fault.limit), "X-RateLimit-Remaining": str(fault.remaining),
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "RateLimit-Reason": "jira-quota-based"})
