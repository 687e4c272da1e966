"""Settings of a Salesforce connector."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from hub.config.types import Duration
from hub.sdk.config import ConnectorConfig, StrictModel

SObject = Literal["Account", "Opportunity"]
SOBJECTS: tuple[SObject, ...] = ("Account", "Opportunity")


class ProgressFields(StrictModel):
    """The opportunity's custom fields where sales sees its delivery project."""

    percent_done: str = Field(default="Delivery_Percent_Done__c")
    status: str = Field(default="Delivery_Status__c")
    next_milestone: str = Field(default="Next_Milestone__c")
    next_milestone_date: str = Field(default="Next_Milestone_Date__c")
    budget_status: str = Field(default="Budget_Status__c")
    project: str = Field(default="Delivery_Project__c")


class SalesforceConfig(ConnectorConfig):
    """A Salesforce org, reached through a connected app (OAuth 2.0 JWT bearer flow, or client
    credentials), read incrementally and written back by external id."""

    kind: Literal["salesforce"] = "salesforce"
    instance_url: str = Field(description="the org's My Domain URL, e.g. "
                                          "https://acme.my.salesforce.com")
    login_url: str = Field(default="https://login.salesforce.com",
                           description="where tokens come from, and the JWT's audience "
                                       "(https://test.salesforce.com for a sandbox org)")
    audience: str | None = Field(default=None, description=(
        "the JWT's audience when it isn't login_url (https://login.salesforce.com or "
        "https://test.salesforce.com while tokens come from My Domain)"))
    auth: Literal["jwt", "client_credentials"] = Field(
        default="jwt", description="jwt (recommended) or client_credentials")
    client_id: str = Field(description="the connected app's consumer key")
    username: str | None = Field(default=None, description="the user the JWT acts as")
    private_key: SecretStr | None = Field(default=None, description="the JWT signing key (PEM)")
    private_key_file: Path | None = Field(default=None, description="or a file holding it")
    client_secret: SecretStr | None = Field(default=None,
                                            description="consumer secret (client credentials)")
    api_version: str = Field(default="62.0", pattern=r"^[0-9]{2}\.0$")
    objects: list[SObject] = Field(default_factory=lambda: list(SOBJECTS),
                                   description="sObjects in scope")
    currency_field: str | None = Field(
        default="CurrencyIsoCode", description="the currency field (multi-currency orgs); "
                                               "null: the org has one currency")
    hub_id_field: str = Field(default="Hub_Id__c",
                              description="External ID field holding the hub's id")
    progress_fields: ProgressFields = Field(default_factory=ProgressFields)
    batch_size: int = Field(default=2000, ge=200, le=2000, description="records per batch")
    api_reserve: int = Field(default=1000, ge=0, description=(
        "API calls of the daily allocation left for others: a backfill stops before using "
        "them and goes on at the next poll"))
    limit_wait: Duration = Field(default=timedelta(minutes=15), description=(
        "how long to wait after REQUEST_LIMIT_EXCEEDED (the allocation is a rolling 24 hours)"))
    ca_bundle: Path | None = Field(default=None,
                                   description="CA certificates to trust (a test org's TLS)")

    @model_validator(mode="after")
    def _credentials(self) -> SalesforceConfig:
        if self.auth == "jwt":
            if not self.username:
                raise ValueError("the JWT bearer flow needs `username` (the user it acts as)")
            if self.private_key is None and self.private_key_file is None:
                raise ValueError("the JWT bearer flow needs `private_key` or "
                                 "`private_key_file`")
        elif self.client_secret is None:
            raise ValueError("the client credentials flow needs `client_secret`")
        return self
