"""Integration hub: every department keeps its tool, every tool shows the same truth."""

from __future__ import annotations

__version__ = "0.1.0"
