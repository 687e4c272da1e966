"""Asana's faces for the shared fault knobs (`hub.testing.faults`): its error bodies, and its
429 with `Retry-After` in seconds."""

from __future__ import annotations

from connectors.asana.sandbox.errors import AsanaApiError
from hub.testing.faults import Fault, Faults, retry_after_header

__all__ = ["Faults", "raise_fault"]

RATE_LIMITED = "You have made too many requests recently. Please, be chill."
SERVER_ERROR = "Server Error"


def raise_fault(fault: Fault | None) -> None:
    """Answer as Asana would when this call gets `fault`."""
    if fault is None:
        return
    if fault.status == 429 and fault.retry_after is not None:
        raise AsanaApiError(429, RATE_LIMITED,
                            headers={"Retry-After": retry_after_header(fault.retry_after)})
    raise AsanaApiError(fault.status, SERVER_ERROR)
