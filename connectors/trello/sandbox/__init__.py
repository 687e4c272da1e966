"""A faithful sandbox of Trello's REST API, on the sandbox kit (see `app`)."""

from connectors.trello.sandbox.app import TrelloSandbox as TrelloSandbox
