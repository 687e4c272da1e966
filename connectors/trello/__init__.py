"""Trello: a declared connector (manifest.yaml, hooks.py) with card comments (comments.py), and
a sandbox of its REST API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.trello.comments import TrelloComments
from hub.sdk.connector import WebhookDelivery
from hub.sdk.declarative import declare

if TYPE_CHECKING:
    from hub.sdk.declarative.connector import DeclaredConnector as _Declared
else:
    _Declared = declare(Path(__file__).with_name("manifest.yaml"))


class TrelloConnector(TrelloComments, _Declared):
    """A Trello board's cards as tasks (lists are the status, members the assignees), and
    their comments."""

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        return self.comment_threads_of(super().parse_webhook(headers, body), body)
