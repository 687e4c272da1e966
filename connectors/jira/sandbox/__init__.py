"""A faithful, stateful sandbox of Jira Cloud's REST API (see `app` for how to use it)."""

from __future__ import annotations

from connectors.jira.sandbox.app import (
    Faults,
    JiraSandbox,
    Status,
    Transition,
    Workflow,
    create_app,
    default_workflow,
)

__all__ = ["Faults", "JiraSandbox", "Status", "Transition", "Workflow", "create_app",
           "default_workflow"]
