"""A faithful sandbox of monday.com's GraphQL API, on the sandbox kit (see `app`)."""

from connectors.monday.sandbox.app import MondaySandbox as MondaySandbox
