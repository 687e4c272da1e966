"""A faithful, stateful sandbox of Asana's REST API (see `app` for how to use it)."""

from __future__ import annotations

from connectors.asana.sandbox.app import AsanaSandbox, Faults, create_app

__all__ = ["AsanaSandbox", "Faults", "create_app"]
