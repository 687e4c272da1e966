"""monday.com: a declared connector over its GraphQL API (manifest.yaml, hooks.py) with item
updates as comments (comments.py), and a sandbox serving monday's own schema."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from connectors.monday.comments import MondayComments
from hub.sdk.declarative import declare

if TYPE_CHECKING:
    from hub.sdk.declarative.connector import DeclaredConnector as _Declared
else:
    _Declared = declare(Path(__file__).with_name("manifest.yaml"))


class MondayConnector(MondayComments, _Declared):
    """A monday.com board's items as tasks (a status, a people and a date column), and their
    updates as comments."""
