"""Settings of the HR connectors: BambooHR, Workday custom reports, and CSV/XLSX exports.

HR kinds are the authority on a person's name, department, manager and employment status:
unless `sync:` says otherwise, the HR connector owns those fields (`authority`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from hub.config.types import Duration
from hub.sdk.config import ConnectorConfig, PollConfig, StrictModel

#: what an HR connector owns by default
HR_AUTHORITY: Mapping[str, tuple[str, ...]] = {
    "person": ("display_name", "department", "manager", "employment_status")}


class HrConfig(ConnectorConfig):
    """What every HR kind shares: it owns people's HR fields, and the hub never writes to it."""

    authority: ClassVar[Mapping[str, tuple[str, ...]]] = HR_AUTHORITY


class TimeOffConfig(StrictModel):
    """Which time off the hub reads: a window around today, re-read every so often."""

    enabled: bool = Field(default=True, description="read time off requests as absences")
    past_days: int = Field(default=30, ge=0, le=3660, description="days before today")
    future_days: int = Field(default=365, ge=0, le=3660, description="days after today")
    every: Duration = Field(default=timedelta(minutes=15),
                            description="how often the window is read again (no change feed)")


class BambooHRConfig(HrConfig):
    """A BambooHR company, read with an API key (BambooHR's Basic-auth user name)."""

    kind: Literal["bamboohr"] = "bamboohr"
    base_url: str = Field(description="https://<company>.bamboohr.com")
    api_key: SecretStr = Field(description="an API key of a user who may read employees")
    batch_size: int = Field(default=50, ge=1, le=500,
                            description="changed employees read per page")
    time_off: TimeOffConfig = Field(default_factory=TimeOffConfig)
    max_retries: int = Field(default=4, ge=0, le=10,
                             description="retries of one call on 429/5xx/timeouts")
    verify_tls: bool | str = Field(default=True, description="false, or a CA bundle path")


class WorkdayReportConfig(HrConfig):
    """A Workday custom report (Report-as-a-Service) of workers, fetched whole and diffed
    against the last snapshot (Workday has no change feed)."""

    kind: Literal["workday_report"] = "workday_report"
    url: str = Field(description="the report's URL, e.g. https://wd2-impl-services1.workday.com"
                                 "/ccx/service/customreport2/<tenant>/<owner>/<report>")
    format: Literal["json", "csv"] = Field(default="json", description="json or csv")
    username: str | None = Field(default=None, description="Basic auth: the integration user")
    password: SecretStr | None = Field(default=None, description="Basic auth: its password")
    token: SecretStr | None = Field(default=None, description="or a bearer token (OAuth)")
    id_column: str = Field(default="Employee_ID", description="the column that identifies a "
                                                              "worker")
    poll: PollConfig = Field(default_factory=lambda: PollConfig(every=timedelta(hours=1)))
    max_retries: int = Field(default=4, ge=0, le=10)
    verify_tls: bool | str = Field(default=True, description="false, or a CA bundle path")

    @model_validator(mode="after")
    def _one_auth(self) -> WorkdayReportConfig:
        if self.token is not None and (self.username or self.password):
            raise ValueError("give either token (bearer) or username and password (Basic)")
        if (self.username is None) != (self.password is None):
            raise ValueError("Basic auth needs both username and password")
        return self
