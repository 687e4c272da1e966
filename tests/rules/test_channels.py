"""Each channel as its service takes it, against the local receivers: e-mail through an SMTP
server that wants a login, Feishu's signed body, WeCom's key; refusals say why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import TypeAdapter

from hub.config.rules import Channel
from hub.errors import Permanent
from hub.notify.channels import send
from hub.testing.robots import RobotSandbox
from hub.testing.robots.smtp import smtp_server
from hub.testing.server import RunningServer, serve

pytestmark = pytest.mark.anyio
CHANNEL: TypeAdapter[Channel] = TypeAdapter(Channel)


@pytest.fixture
def robots() -> Iterator[tuple[RobotSandbox, RunningServer]]:
    sandbox = RobotSandbox(wecom={"wc-key"}, feishu={"fs-hook": "fs-secret"},
                           slack={"T0/B0/xyz"}, webhooks={"ops": "hook-secret"},
                           twilio={"AC123": "twilio-token"})
    with serve(sandbox.app) as server:
        yield sandbox, server


async def test_email_logs_in_and_arrives_in_chinese() -> None:
    with smtp_server(users={"hub": "pa55"}) as box:
        channel = CHANNEL.validate_python({
            "kind": "email", "host": box.host, "port": box.port, "starttls": False,
            "username": "hub", "password": "pa55", "sender": "hub@example.com",
            "to": ["wang.fang@example.com"], "language": "zh"})
        await send(channel, "每日摘要", "今天完成了 3 项任务")
        [mail] = box.messages
    assert mail["Subject"] == "每日摘要"
    assert mail["To"] == "wang.fang@example.com"
    body = mail.get_body()
    assert body is not None
    assert "今天完成了 3 项任务" in body.get_content()


async def test_email_with_a_wrong_password_is_refused_for_good() -> None:
    with smtp_server(users={"hub": "pa55"}) as box:
        channel = CHANNEL.validate_python({
            "kind": "email", "host": box.host, "port": box.port, "starttls": False,
            "username": "hub", "password": "wrong", "sender": "hub@example.com",
            "to": ["a@example.com"]})
        with pytest.raises(Permanent, match="refused the login"):
            await send(channel, "x", "y")
        assert box.messages == []


async def test_feishu_signed_and_wecom_keyed_messages_arrive(
        robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    feishu = CHANNEL.validate_python({
        "kind": "feishu", "webhook": f"{server.url}/open-apis/bot/v2/hook/fs-hook",
        "secret": "fs-secret"})
    wecom = CHANNEL.validate_python({
        "kind": "wecom", "webhook": f"{server.url}/cgi-bin/webhook/send?key=wc-key"})
    await send(feishu, "Risk", "Atlas is late")
    await send(wecom, "Risk", "Atlas is late")
    assert [m.kind for m in sandbox.received] == ["feishu", "wecom"]
    assert all("Atlas is late" in m.text for m in sandbox.received)


async def test_a_wrong_feishu_secret_and_an_unknown_wecom_key_are_refused(
        robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    feishu = CHANNEL.validate_python({
        "kind": "feishu", "webhook": f"{server.url}/open-apis/bot/v2/hook/fs-hook",
        "secret": "not-it"})
    wecom = CHANNEL.validate_python({
        "kind": "wecom", "webhook": f"{server.url}/cgi-bin/webhook/send?key=other"})
    with pytest.raises(Permanent, match="19021"):
        await send(feishu, "Risk", "x")
    with pytest.raises(Permanent, match="93000"):
        await send(wecom, "Risk", "x")
    assert sandbox.received == []


async def test_slack_a_signed_webhook_and_twilio_sms_arrive(
        robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    slack = CHANNEL.validate_python({"kind": "slack",
                                     "webhook": f"{server.url}/services/T0/B0/xyz"})
    hook = CHANNEL.validate_python({"kind": "webhook", "url": f"{server.url}/hooks/ops",
                                    "secret": "hook-secret"})
    sms = CHANNEL.validate_python({
        "kind": "twilio_sms", "account_sid": "AC123", "auth_token": "twilio-token",
        "sender": "+15005550006", "to": ["+8613800000000", "+15005550001"],
        "base_url": server.url})
    for channel in (slack, hook, sms):
        await send(channel, "Complaint", "ACME escalated ticket 42")
    assert [m.kind for m in sandbox.received] == ["slack", "webhook", "twilio_sms",
                                                  "twilio_sms"]
    assert all("ACME escalated ticket 42" in m.text for m in sandbox.received)
    assert [m.payload["To"] for m in sandbox.of("twilio_sms")] == ["+8613800000000",
                                                                  "+15005550001"]


async def test_wrong_credentials_are_refused_by_slack_the_webhook_and_twilio(
        robots: tuple[RobotSandbox, RunningServer]) -> None:
    sandbox, server = robots
    channels = [
        CHANNEL.validate_python({"kind": "slack", "webhook": f"{server.url}/services/nope"}),
        CHANNEL.validate_python({"kind": "webhook", "url": f"{server.url}/hooks/ops",
                                 "secret": "guess"}),
        CHANNEL.validate_python({"kind": "twilio_sms", "account_sid": "AC123",
                                 "auth_token": "wrong", "sender": "+15005550006",
                                 "to": ["+15005550001"], "base_url": server.url}),
    ]
    for channel, status in zip(channels, ("404", "401", "401"), strict=True):
        with pytest.raises(Permanent, match=status):
            await send(channel, "x", "y")
    assert sandbox.received == []
    assert [kind for kind, _ in sandbox.refused] == ["slack", "webhook", "twilio_sms"]
