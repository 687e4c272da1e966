"""Sandboxes of HR systems: BambooHR's API (see `app`) and a Workday custom report
(`workday`)."""

from __future__ import annotations

from connectors.hr.sandbox.app import BambooHRSandbox, Faults, create_app

__all__ = ["BambooHRSandbox", "Faults", "create_app"]
