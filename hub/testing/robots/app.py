"""Group robots as the services run them, on one local app.

- DingTalk: `POST /robot/send?access_token=...[&timestamp=&sign=]`. An unknown token is
  errcode 300001; a signed robot wants a timestamp within an hour of now and the HMAC-SHA256
  sign of "{timestamp}\\n{secret}" (errcode 310000 otherwise); over 20 messages a minute is
  errcode 130101.
- WeCom: `POST /cgi-bin/webhook/send?key=...`: an unknown key is errcode 93000; over 20 a
  minute, 45009.
- Feishu: `POST /open-apis/bot/v2/hook/{token}`: a signed bot wants body `timestamp` (s, within
  an hour) and `sign` = base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg="")), else code
  19021; over 100 a minute, 9499.
- Slack: `POST /services/{path}`: an unknown path is 404 `no_service`; a body without text is
  400 `invalid_payload`; the answer is `ok` as text.
- Generic webhook: `POST /hooks/{name}` checks `X-Hub-Signature` (HMAC-SHA256 over
  "{X-Hub-Timestamp}.{body}", 5 minutes of skew) and answers 401 otherwise.
- Twilio: `POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth (20003 / 401
  otherwise), form fields To, From, Body; answers 201 with the message resource.
`GET /_received` lists what was accepted (the sandbox's own page, not the services').
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

_WINDOW = 60.0
_SKEW_MS = 3_600_000


@dataclass
class Received:
    """One accepted message."""

    kind: str
    robot: str
    payload: dict[str, Any]
    at: float

    @property
    def text(self) -> str:
        """The message's text, whatever its shape."""
        if self.kind == "dingtalk":
            part = self.payload.get("markdown") or self.payload.get("text") or {}
            return str(part.get("text") or part.get("content") or "")
        if self.kind == "wecom":
            part = self.payload.get("markdown") or self.payload.get("text") or {}
            return str(part.get("content") or "")
        if self.kind == "slack":
            return str(self.payload.get("text") or "")
        if self.kind == "webhook":
            return f"{self.payload.get('title')}\n{self.payload.get('body')}"
        if self.kind == "twilio_sms":
            return str(self.payload.get("Body") or "")
        return str((self.payload.get("content") or {}).get("text") or "")


@dataclass
class RobotSandbox:
    """Robots by token (DingTalk), key (WeCom) or hook id (Feishu), with their secrets."""

    dingtalk: dict[str, str | None] = field(default_factory=dict)
    wecom: set[str] = field(default_factory=set)
    feishu: dict[str, str | None] = field(default_factory=dict)
    slack: set[str] = field(default_factory=set)  #: paths after /services/
    webhooks: dict[str, str] = field(default_factory=dict)  #: name -> secret
    twilio: dict[str, str] = field(default_factory=dict)  #: account SID -> auth token
    per_minute: dict[str, int] = field(default_factory=lambda: {
        "dingtalk": 20, "wecom": 20, "feishu": 100, "slack": 60, "webhook": 600,
        "twilio_sms": 600})
    #: seconds every answer takes (a slow service; a delivery to kill half-way)
    latency: float = 0.0
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    _times: dict[str, deque[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.app = FastAPI(title="robot sandbox")
        self.app.post("/robot/send")(self._dingtalk)
        self.app.post("/cgi-bin/webhook/send")(self._wecom)
        self.app.post("/open-apis/bot/v2/hook/{token}")(self._feishu)
        self.app.post("/services/{path:path}")(self._slack)
        self.app.post("/hooks/{name}")(self._webhook)
        self.app.post("/2010-04-01/Accounts/{sid}/Messages.json")(self._twilio)
        self.app.get("/_received")(self._list)

    def of(self, kind: str, robot: str | None = None) -> list[Received]:
        """Messages a kind of robot (one robot) accepted."""
        return [r for r in self.received if r.kind == kind and robot in (None, r.robot)]

    def _too_fast(self, kind: str, robot: str) -> bool:
        now = time.monotonic()
        times = self._times.setdefault(f"{kind}:{robot}", deque())
        while times and now - times[0] > _WINDOW:
            times.popleft()
        if len(times) >= self.per_minute[kind]:
            return True
        times.append(now)
        return False

    def _refuse(self, kind: str, why: str, answer: dict[str, Any]) -> dict[str, Any]:
        self.refused.append((kind, why))
        return answer

    async def _dingtalk(self, request: Request) -> dict[str, Any]:
        if self.latency:
            await asyncio.sleep(self.latency)
        query = request.query_params
        token = query.get("access_token", "")
        if token not in self.dingtalk:
            return self._refuse("dingtalk", "token", {"errcode": 300001,
                                                      "errmsg": "token is not exist"})
        secret = self.dingtalk[token]
        if secret is not None:
            stamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > _SKEW_MS:
                return self._refuse("dingtalk", "timestamp", {
                    "errcode": 310000, "errmsg": "sign not match, timestamp is expired"})
            digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(),
                              hashlib.sha256).digest()
            # The query arrives url-decoded: the sign compares as its base64 text.
            if not hmac.compare_digest(sign,
                                       base64.b64encode(digest).decode()):
                return self._refuse("dingtalk", "sign", {"errcode": 310000,
                                                         "errmsg": "sign not match"})
        if self._too_fast("dingtalk", token):
            return self._refuse("dingtalk", "rate", {
                "errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        self.received.append(Received("dingtalk", token, await request.json(), time.time()))
        return {"errcode": 0, "errmsg": "ok"}

    async def _wecom(self, request: Request) -> dict[str, Any]:
        key = request.query_params.get("key", "")
        if key not in self.wecom:
            return self._refuse("wecom", "key", {"errcode": 93000,
                                                 "errmsg": "invalid webhook url"})
        if self._too_fast("wecom", key):
            return self._refuse("wecom", "rate", {"errcode": 45009,
                                                  "errmsg": "api freq out of limit"})
        self.received.append(Received("wecom", key, await request.json(), time.time()))
        return {"errcode": 0, "errmsg": "ok"}

    async def _feishu(self, token: str, request: Request) -> dict[str, Any]:
        if token not in self.feishu:
            return self._refuse("feishu", "token", {"code": 19001,
                                                    "msg": "param invalid: incoming webhook "
                                                           "access token invalid"})
        body = await request.json()
        secret = self.feishu[token]
        if secret is not None:
            stamp = str(body.get("timestamp", ""))
            key = f"{stamp}\n{secret}".encode()
            wanted = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if not stamp.isdigit() or abs(int(stamp) - time.time()) > _SKEW_MS / 1000 or \
                    not hmac.compare_digest(str(body.get("sign", "")), wanted):
                return self._refuse("feishu", "sign", {"code": 19021,
                                                       "msg": "sign match fail or timestamp "
                                                              "is not within one hour"})
        if self._too_fast("feishu", token):
            return self._refuse("feishu", "rate", {"code": 9499, "msg": "too many request"})
        self.received.append(Received("feishu", token, body, time.time()))
        return {"code": 0, "msg": "success", "data": {}}

    async def _slack(self, path: str, request: Request) -> Response:
        if path not in self.slack:
            return self._answer("slack", "path", PlainTextResponse("no_service", 404))
        body = await request.json()
        if not isinstance(body, dict) or not body.get("text"):
            return self._answer("slack", "payload", PlainTextResponse("invalid_payload", 400))
        if self._too_fast("slack", path):
            return self._answer("slack", "rate", PlainTextResponse(
                "rate_limited", 429, headers={"Retry-After": "1"}))
        self.received.append(Received("slack", path, body, time.time()))
        return PlainTextResponse("ok")

    async def _webhook(self, name: str, request: Request) -> Response:
        secret = self.webhooks.get(name)
        raw = await request.body()
        stamp = request.headers.get("X-Hub-Timestamp", "")
        wanted = "" if secret is None else "sha256=" + hmac.new(
            secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        if secret is None or not stamp.isdigit() or abs(int(stamp) - time.time()) > 300 or \
                not hmac.compare_digest(request.headers.get("X-Hub-Signature", ""), wanted):
            return self._answer("webhook", "sign", JSONResponse({"error": "bad signature"},
                                                                401))
        self.received.append(Received("webhook", name, json.loads(raw), time.time()))
        return JSONResponse({"ok": True})

    async def _twilio(self, sid: str, request: Request) -> Response:
        token = self.twilio.get(sid)
        given = request.headers.get("Authorization", "")
        wanted = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
        if token is None or not hmac.compare_digest(given, wanted):
            return self._answer("twilio_sms", "auth", JSONResponse(
                {"code": 20003, "message": "Authenticate", "status": 401}, 401))
        # Twilio takes application/x-www-form-urlencoded (parsed here: no multipart package)
        form = {k: v[0] for k, v in urllib.parse.parse_qs((await request.body()).decode()).items()}
        if not form.get("To") or not form.get("Body"):
            return self._answer("twilio_sms", "payload", JSONResponse(
                {"code": 21604, "message": "A 'To' phone number is required.",
                 "status": 400}, 400))
        self.received.append(Received("twilio_sms", sid, form, time.time()))
        return JSONResponse({"sid": f"SM{len(self.received):032d}", "status": "queued",
                             "to": form["To"], "from": form.get("From"),
                             "body": form["Body"]}, 201)

    def _answer(self, kind: str, why: str, response: Response) -> Response:
        self.refused.append((kind, why))
        return response

    async def _list(self) -> list[dict[str, Any]]:
        return [{"kind": r.kind, "robot": r.robot[:4] + "…", "text": r.text}
                for r in self.received]
