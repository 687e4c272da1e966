"""Sending one message through one channel, each as its service documents it.

- DingTalk group robot: POST JSON to the webhook; with a signing secret, `timestamp` (ms) and
  `sign` = urlencode(base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}"))) go in the
  query. 20 messages a minute per robot; errcode 130101 means too fast.
- WeCom group robot: POST JSON to the webhook; the `key` in its URL is the credential. 20 a
  minute; errcode 45009 means too fast.
- Feishu/Lark custom bot: POST JSON; with a secret, the body carries `timestamp` (s) and
  `sign` = base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg="")). 100 a minute.
- Slack incoming webhook: POST JSON `{"text": ...}`; answers `ok` as text; about one a second.
- Generic webhook: POST JSON with `X-Hub-Timestamp` and `X-Hub-Signature: sha256=<hex>` over
  "{timestamp}.{body}".
- Twilio SMS: POST form `To`, `From`, `Body` to `/2010-04-01/Accounts/{sid}/Messages.json`
  with basic auth (one request per recipient).
- E-mail over SMTP: STARTTLS when configured, then login when a username is given.

Failures are `Retriable` (rate limits, 5xx, network) or `Permanent` (a refused signature or
key): the outbox retries the first with backoff and shows the second.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
from email.message import EmailMessage
from typing import Any

import httpx

from hub.config.rules import (
    Channel,
    DingTalkChannel,
    EmailChannel,
    FeishuChannel,
    SlackChannel,
    TwilioSmsChannel,
    WebhookChannel,
    WeComChannel,
)
from hub.errors import Permanent, Retriable

#: messages a minute each service takes, from its docs (a channel's `per_minute` overrides)
LIMITS = {"dingtalk": 20, "wecom": 20, "feishu": 100, "email": 60, "slack": 60,
          "webhook": 600, "twilio_sms": 60}
_TOO_FAST = {"dingtalk": {130101}, "wecom": {45009}, "feishu": {9499, 11232}}


def per_minute(channel: Channel) -> int:
    """How many messages a minute the channel may send."""
    return channel.per_minute or LIMITS[channel.kind]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature, url-encoded as it goes in the query."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's custom-bot signature (the key is timestamp and secret; the message empty)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


async def send(channel: Channel, title: str, body: str,
               client: httpx.AsyncClient | None = None) -> None:
    """Send one message; raises `Retriable` or `Permanent`."""
    if isinstance(channel, EmailChannel):
        await asyncio.to_thread(_send_email, channel, title, body)
        return
    own = client is None
    http = client or httpx.AsyncClient(timeout=15.0)
    try:
        for request in _requests(http, channel, title, body):
            try:
                answer = await http.send(request)
            except httpx.HTTPError as exc:
                raise Retriable(f"{channel.kind} not reachable: {type(exc).__name__}") from None
            _check(channel.kind, answer)
    finally:
        if own:
            await http.aclose()


def _requests(http: httpx.AsyncClient, channel: Channel, title: str,
              body: str) -> list[httpx.Request]:
    if isinstance(channel, SlackChannel):
        return [http.build_request("POST", channel.webhook.get_secret_value(),
                                   json={"text": f"*{title}*\n{body}"})]
    if isinstance(channel, WebhookChannel):
        content = json.dumps({"title": title, "body": body, "language": channel.language},
                             ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        mac = hmac.new(channel.secret.get_secret_value().encode(),
                       stamp.encode() + b"." + content, hashlib.sha256).hexdigest()
        return [http.build_request("POST", channel.url.get_secret_value(), content=content,
                                   headers={"Content-Type": "application/json",
                                            "X-Hub-Timestamp": stamp,
                                            "X-Hub-Signature": f"sha256={mac}"})]
    if isinstance(channel, TwilioSmsChannel):
        url = f"{channel.base_url.rstrip('/')}/2010-04-01/Accounts/{channel.account_sid}/" \
              "Messages.json"
        basic = base64.b64encode(
            f"{channel.account_sid}:{channel.auth_token.get_secret_value()}".encode()).decode()
        text = f"{title}\n{body}"[:1600]  # Twilio's limit for one message
        return [http.build_request("POST", url, data={"To": to, "From": channel.sender,
                                                      "Body": text},
                                   headers={"Authorization": f"Basic {basic}"})
                for to in channel.to]
    url, payload = _request(channel, title, body)
    return [http.build_request("POST", url, json=payload)]


def _request(channel: Channel, title: str, body: str) -> tuple[str, dict[str, Any]]:
    if isinstance(channel, DingTalkChannel):
        url = channel.webhook.get_secret_value()
        if channel.secret is not None:
            now = int(time.time() * 1000)
            sign = dingtalk_sign(channel.secret.get_secret_value(), now)
            url += f"{'&' if '?' in url else '?'}timestamp={now}&sign={sign}"
        return url, {"msgtype": "markdown",
                     "markdown": {"title": title, "text": f"### {title}\n\n{body}"}}
    if isinstance(channel, WeComChannel):
        return channel.webhook.get_secret_value(), {
            "msgtype": "markdown", "markdown": {"content": f"**{title}**\n{body}"}}
    if isinstance(channel, FeishuChannel):
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{body}"}}
        if channel.secret is not None:
            now = int(time.time())
            payload = {"timestamp": str(now),
                       "sign": feishu_sign(channel.secret.get_secret_value(), now), **payload}
        return channel.webhook.get_secret_value(), payload
    raise TypeError(f"no HTTP request for {channel.kind}")


def _check(kind: str, answer: httpx.Response) -> None:
    if answer.status_code == 429 or answer.status_code >= 500:
        after = answer.headers.get("Retry-After")
        raise Retriable(f"{kind} answered {answer.status_code}",
                        retry_after=float(after) if after and after.isdigit() else None)
    if answer.status_code >= 400:
        raise Permanent(f"{kind} answered {answer.status_code}: {answer.text[:200]}",
                        status=answer.status_code)
    if kind in ("slack", "webhook", "twilio_sms"):
        return  # a 2xx is their "taken"
    try:
        data = answer.json()
    except ValueError:
        raise Retriable(f"{kind} answered something that is not JSON") from None
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0))) \
        if isinstance(data, dict) else 0
    if code in (0, None):
        return
    message = str(data.get("errmsg") or data.get("msg") or "")
    if code in _TOO_FAST.get(kind, set()):
        raise Retriable(f"{kind}: too many messages ({code} {message})", retry_after=60)
    raise Permanent(f"{kind} refused the message: {code} {message}")


def _send_email(channel: EmailChannel, title: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = title, channel.sender, \
        ", ".join(channel.to)
    message.set_content(body)
    try:
        with smtplib.SMTP(channel.host, channel.port, timeout=30) as smtp:
            if channel.starttls:
                smtp.starttls()
            if channel.username:
                password = channel.password.get_secret_value() if channel.password else ""
                smtp.login(channel.username, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise Permanent(f"the SMTP server refused the login: {exc.smtp_code}") from None
    except smtplib.SMTPRecipientsRefused:
        raise Permanent("the SMTP server refused every recipient") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise Permanent(f"the SMTP server does not offer what is configured: {exc}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise Retriable(f"e-mail not sent: {type(exc).__name__}: {exc}") from None
