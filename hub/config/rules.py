"""Cross-department rules, notification channels, risks and daily digests: the `rules:`,
`channels:`, `risks:` and `digests:` sections of `config.yaml`.

A rule says *when* (a canonical event, with conditions) and *then* (notify channels, set fields
on related records, create a follow-up task in another tool). Rules run in the transaction of
the change that triggers them (`hub.rules.engine`).
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, model_validator

from hub.config.types import Duration
from hub.model.enums import Entity
from hub.sdk.config import StrictModel

Language = Literal["en", "zh"]
#: a template: one text, or one per language (`{en: ..., zh: ...}`)
Template = str | dict[Language, str]
EventKind = Literal["changed", "created", "deleted", "risk_raised", "risk_cleared",
                    "conflict_opened", "push_refused", "connector_unhealthy"]


class Audience(StrictModel):
    """Who reads a channel: the hub's visibility policy (`hub.auth.policy`) decides what its
    messages may say, as for an API token of this role."""

    role: Literal["admin", "manager", "department", "partner", "viewer"] = Field(
        default="manager", description="the role whose view the messages take")
    department: str | None = Field(default=None, description="role department: its department")
    projects: list[str] = Field(default_factory=list,
                                description="role partner: the project keys shared with it")


class _Channel(StrictModel):
    language: Language = Field(default="en", description="the language of its messages")
    audience: Audience = Field(default_factory=Audience)
    per_minute: int | None = Field(
        default=None, ge=1, description="messages a minute at most (default: the service's "
                                        "documented limit); over it, messages are batched")


class DingTalkChannel(_Channel):
    """A DingTalk group robot: `webhook` with its access_token, signed with `secret`
    (timestamp + HMAC-SHA256, base64, in the query)."""

    kind: Literal["dingtalk"]
    webhook: SecretStr = Field(description="https://oapi.dingtalk.com/robot/send?access_token=...")
    secret: SecretStr | None = Field(default=None, description="the robot's SEC... signing secret")


class WeComChannel(_Channel):
    """A WeCom (企业微信) group robot: the key in the webhook URL is its credential."""

    kind: Literal["wecom"]
    webhook: SecretStr = Field(description="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=")


class FeishuChannel(_Channel):
    """A Feishu/Lark custom bot, signed with `secret` (timestamp + sign in the body)."""

    kind: Literal["feishu"]
    webhook: SecretStr = Field(description="https://open.feishu.cn/open-apis/bot/v2/hook/...")
    secret: SecretStr | None = Field(default=None)


class EmailChannel(_Channel):
    """E-mail over SMTP (STARTTLS and login when configured)."""

    kind: Literal["email"]
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = Field(default=True, description="upgrade the connection with STARTTLS")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(description="From: address")
    to: list[str] = Field(min_length=1, description="recipients")


class SlackChannel(_Channel):
    """A Slack incoming webhook (its URL is the credential); about one message a second."""

    kind: Literal["slack"]
    webhook: SecretStr = Field(description="https://hooks.slack.com/services/...")


class WebhookChannel(_Channel):
    """A generic webhook: JSON {title, body, language} POSTed with `X-Hub-Timestamp` and
    `X-Hub-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" with the secret>`."""

    kind: Literal["webhook"]
    url: SecretStr
    secret: SecretStr


class TwilioSmsChannel(_Channel):
    """SMS through Twilio's Messages API (HTTP basic auth with the account SID and token)."""

    kind: Literal["twilio_sms"]
    account_sid: str
    auth_token: SecretStr
    sender: str = Field(description="the Twilio number messages come from, +E.164")
    to: list[str] = Field(min_length=1, description="phone numbers, +E.164")
    base_url: str = Field(default="https://api.twilio.com",
                          description="Twilio's API (a local receiver in tests)")


Channel = Annotated[DingTalkChannel | WeComChannel | FeishuChannel | EmailChannel |
                    SlackChannel | WebhookChannel | TwilioSmsChannel,
                    Field(discriminator="kind")]


class When(StrictModel):
    """The event a rule reacts to."""

    event: EventKind = Field(default="changed")
    entity: Entity | None = Field(default=None, description="the record's entity")
    field: str | None = Field(default=None, description="changed: the field")
    from_: Any = Field(default=None, alias="from", description="changed: its old value(s)")
    to: Any = Field(default=None, description="changed: its new value(s)")
    risk: str | None = Field(default=None, description="risk_raised/cleared: which risk")
    minutes: int = Field(default=15, ge=1, description="connector_unhealthy: for how long")

    @model_validator(mode="after")
    def _needs(self) -> When:
        if self.event == "changed" and (self.entity is None or self.field is None):
            raise ValueError("event changed needs `entity` and `field`")
        if self.event in ("created", "deleted") and self.entity is None:
            raise ValueError(f"event {self.event} needs `entity`")
        return self


class Notify(StrictModel):
    """Send a message to channels."""

    channels: list[str] = Field(min_length=1, description="channel names from `channels:`")
    template: Template | None = Field(
        default=None, description="Jinja2 text (sandboxed); default: a sentence per event")
    title: Template | None = None


class SetFields(StrictModel):
    """Set fields on the record, or on related records."""

    # not `on:`: YAML 1.1 reads that key as true
    target: Literal["self", "tasks", "project"] = Field(
        default="self", description="self: the record; tasks: its project's tasks; project: "
                                    "its project")
    where: dict[str, Any] = Field(default_factory=dict,
                                  description="only records whose fields equal these (or one of "
                                              "a list)")
    fields: dict[str, Any] = Field(min_length=1, description="field -> value")
    reason: str | None = Field(default=None, description="kept in custom.reason, and audited")


class FollowUp(StrictModel):
    """Create a task in another tool, linked to the record (custom.follows)."""

    connector: str = Field(description="the connector where the task is created")
    title: Template = Field(description="Jinja2 text: the new task's title")
    fields: dict[str, Any] = Field(default_factory=dict, description="other fields")


class Then(StrictModel):
    """One action; exactly one of its keys."""

    notify: Notify | None = None
    set: SetFields | None = None
    create_task: FollowUp | None = None

    @model_validator(mode="after")
    def _one(self) -> Then:
        if sum(x is not None for x in (self.notify, self.set, self.create_task)) != 1:
            raise ValueError("each action is exactly one of notify, set, create_task")
        return self


class RuleConfig(StrictModel):
    """When an event matching `when` and `where` happens, do `then`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    when: When
    where: dict[str, Any] = Field(
        default_factory=dict, description="conditions: fields of the record, and project, "
                                          "department, tool (the connector that changed it)")
    then: list[Then] = Field(min_length=1)
    enabled: bool = True


class RisksConfig(StrictModel):
    """How risks are derived."""

    stalled_after: Duration = Field(default=timedelta(days=5),
                                    description="in progress with no change this long")
    due_soon: Duration = Field(default=timedelta(days=3),
                               description="due within this while the assignee is absent")
    refresh_every: Duration = Field(default=timedelta(hours=1),
                                    description="how often date-driven risks and forecasts "
                                                "are recomputed")
    forecast_runs: int = Field(default=2000, ge=100, le=100_000)
    forecast_history: Duration = Field(default=timedelta(days=90),
                                       description="history of finished tasks the forecast uses")
    forecast_late_above: float = Field(default=0.3, ge=0, le=1,
                                       description="forecast_late when P(miss) exceeds this")


class DigestTarget(StrictModel):
    """A digest's subject and where it goes."""

    scope: Literal["project", "department", "manager", "all"] = "all"
    key: str | None = Field(default=None, description="project key, department, or manager "
                                                      "e-mail; none: every one")
    channels: list[str] = Field(default_factory=list)


class DigestsConfig(StrictModel):
    """Daily digests."""

    at: time = Field(default=time(8, 0), description="local time (UTC) to send, e.g. 08:00")
    targets: list[DigestTarget] = Field(default_factory=list)


def unique_rule_names(rules: list[RuleConfig]) -> list[RuleConfig]:
    """Rule names are how `hub rules try` and the audit name them: one rule per name."""
    names = [rule.name for rule in rules]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"rule names must be unique: {', '.join(twice)} used twice")
    return rules
