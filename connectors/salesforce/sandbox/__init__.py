"""A faithful sandbox of Salesforce's REST API, on the sandbox kit (see `app`)."""

from connectors.salesforce.sandbox.app import SalesforceSandbox as SalesforceSandbox
