"""An in-memory fake tool that speaks the connector protocol, with knobs for faults.

Engine tests link several `FakeTool`s on the same records and inject what real tools do:
retriable errors, rate limits, timeouts after the write was applied, permanent refusals, and
webhooks that arrive twice, out of order, or never.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, SecretStr

from hub.errors import AuthenticationFailed, Permanent, Retriable
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import (
    CheckResult,
    Connector,
    FieldsRefused,
    LinkRef,
    PollPage,
    RemoteRecord,
    WebhookDelivery,
    WebhookRejected,
)
from hub.sdk.webhooks import read_body
from hub.testing.fake_comments import FakeComments

Fault = Literal["retriable", "rate_limit", "timeout_after_apply", "permanent"]
SIGNATURE_HEADER = "x-fake-signature"
DELIVERY_HEADER = "x-fake-delivery"


@dataclass
class FakeObject:
    """One object held by the fake tool."""

    remote_id: str
    fields: dict[str, Any]
    updated_at: datetime
    version: int = 1
    hub_id: str | None = None
    deleted: bool = False
    field_times: dict[str, datetime] = field(default_factory=dict)


@dataclass
class FakeTool:
    """The tool's state. Shared by name so a connector built from config finds it."""

    name: str
    token: str = "fake-token"  # noqa: S105 - a test credential, not a secret
    webhook_secret: str = "fake-webhook-secret"  # noqa: S105
    remote_type: str = "item"
    page_size: int = 50
    objects: dict[str, FakeObject] = field(default_factory=dict)
    faults: deque[Fault] = field(default_factory=deque)
    #: deliveries the tool has sent, as (headers, body); tests decide when and how they arrive
    outbox: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    calls: dict[str, int] = field(default_factory=dict)
    #: field -> value -> the tool's reason: writes of that value are refused (a workflow that
    #: has no way to a status), the rest of the write is taken
    refuse: dict[str, dict[Any, str]] = field(default_factory=dict)
    #: the people with an account here (None: anyone); another assignee is refused
    people: set[str] | None = None
    #: when set, each call yields to the event loop a random number of times before and after
    #: it, so that concurrent pushes interleave differently from one seed to another
    shuffle: random.Random | None = None
    #: comment id -> comment (`hub.testing.fake_comments`)
    comments: dict[str, Any] = field(default_factory=dict)
    _seq: int = 0

    registry: ClassVar[dict[str, FakeTool]] = {}

    def __post_init__(self) -> None:
        FakeTool.registry[self.name] = self

    # -- what a person does in the tool --------------------------------------------------
    def user_create(self, fields: Mapping[str, Any], hub_id: str | None = None) -> FakeObject:
        """Create an object as a person would, and send its webhook."""
        self._seq += 1
        now = self._now()
        obj = FakeObject(f"{self.name}-{self._seq}", dict(fields), now, hub_id=hub_id,
                         field_times={name: now for name in fields})
        self.objects[obj.remote_id] = obj
        self._emit(obj, "created")
        return obj

    def user_edit(self, remote_id: str, **changes: Any) -> FakeObject:
        """Change fields as a person would, and send the webhook."""
        obj = self.objects[remote_id]
        self._write(obj, changes)
        self._emit(obj, "updated")
        return obj

    def _write(self, obj: FakeObject, changes: Mapping[str, Any]) -> None:
        obj.fields.update(changes)
        self._bump(obj)
        obj.field_times.update({name: obj.updated_at for name in changes})

    def user_delete(self, remote_id: str) -> None:
        """Delete an object; polls and webhooks report it as a tombstone."""
        obj = self.objects[remote_id]
        obj.deleted = True
        self._bump(obj)
        self._emit(obj, "deleted")

    def refusals(self, patch: Mapping[str, Any]) -> dict[str, str]:
        """The paths of `patch` this tool refuses, with its reason."""
        out: dict[str, str] = {}
        for path, value in patch.items():
            name = path.removeprefix("fields.")
            reason = self.refuse.get(name, {}).get(value) if isinstance(value, str) else None
            if name == "assignees" and self.people is not None:
                unknown = [p for p in value or [] if p not in self.people]
                reason = f"assignee: Not a recognized ID: {unknown[0]}" if unknown else None
            if reason:
                out[path] = reason
        return out

    # -- faults ----------------------------------------------------------------------------
    def inject(self, *faults: Fault) -> None:
        """Make the next API calls fail, one fault per call, in order."""
        self.faults.extend(faults)

    def _api(self, verb: str, token: str, write: Callable[[], Any] | None = None) -> Any:
        self.calls[verb] = self.calls.get(verb, 0) + 1
        if token != self.token:
            raise AuthenticationFailed(f"{self.name}: invalid token", status=401)
        fault = self.faults.popleft() if self.faults else None
        if fault == "retriable":
            raise Retriable(f"{self.name}: 503 Service Unavailable")
        if fault == "rate_limit":
            raise Retriable(f"{self.name}: 429 Too Many Requests", retry_after=2.0)
        if fault == "permanent":
            raise Permanent(f"{self.name}: 400 refused by the tool's rules", status=400)
        result = write() if write else None
        if fault == "timeout_after_apply":
            raise Retriable(f"{self.name}: read timeout (the write was applied)")
        return result

    async def turn(self) -> None:
        """Let other tasks run (as a network call would), as often as `shuffle` says."""
        for _ in range(self.shuffle.randint(0, 3) if self.shuffle else 0):
            await asyncio.sleep(0)

    # -- helpers ---------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self.clock()

    def _bump(self, obj: FakeObject) -> None:
        now = self._now()
        # Two edits within one clock tick still get distinct, ordered times.
        obj.updated_at = max(now, obj.updated_at + timedelta(microseconds=1))
        obj.version += 1

    def record(self, obj: FakeObject) -> RemoteRecord:
        """The object as the connector reports it."""
        return RemoteRecord(
            remote_type=self.remote_type, remote_id=obj.remote_id,
            payload={"id": obj.remote_id, "fields": dict(obj.fields)},
            updated_at=obj.updated_at, version=str(obj.version),
            url=f"https://{self.name}.example/{obj.remote_id}", hub_id=obj.hub_id,
            deleted=obj.deleted,
            field_times={f"fields.{k}": v for k, v in obj.field_times.items()})

    def _emit(self, obj: FakeObject, action: str) -> None:
        body = json.dumps({
            "action": action, "id": obj.remote_id, "version": obj.version,
            "updated_at": obj.updated_at.isoformat(), "fields": obj.fields,
            "hub_id": obj.hub_id, "deleted": obj.deleted,
            "field_times": {k: v.isoformat() for k, v in obj.field_times.items()},
        }, sort_keys=True).encode()
        self.outbox.append((self.sign(body, f"{obj.remote_id}:{obj.version}"), body))

    def sign(self, body: bytes, delivery_id: str) -> dict[str, str]:
        """Headers of an authentic delivery of `body`."""
        digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        return {SIGNATURE_HEADER: f"sha256={digest}", DELIVERY_HEADER: delivery_id}


class FakeEvent(BaseModel):
    """A fake tool's delivery (`FakeTool._emit`)."""

    id: str
    version: int
    updated_at: AwareDatetime
    fields: dict[str, Any]
    hub_id: str | None = None
    deleted: bool = False
    field_times: dict[str, AwareDatetime] = {}


class FakeConfig(ConnectorConfig):
    """Settings of a fake connector: which `FakeTool` it talks to, and the token."""

    kind: Literal["fake"] = "fake"
    tool: str
    token: SecretStr


class FakeConnector(FakeComments, Connector[FakeConfig]):
    """The connector protocol over a `FakeTool`; cursor = ISO time of the newest record seen."""

    kind: ClassVar[str] = "fake"
    config_model = FakeConfig
    remote_types: ClassVar[Mapping[str, str]] = {"item": "task"}

    @property
    def tool(self) -> FakeTool:
        return FakeTool.registry[self.config.tool]

    @property
    def _token(self) -> str:
        return self.config.token.get_secret_value()

    async def check(self) -> CheckResult:
        self.tool._api("check", self._token)
        return CheckResult(True, f"{self.tool.name}: {len(self.tool.objects)} objects")

    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        since = datetime.fromisoformat(cursor) - self.config.poll.overlap if cursor else None
        matching = sorted(
            (o for o in self.tool.objects.values() if since is None or o.updated_at >= since),
            key=lambda o: (o.updated_at, o.remote_id))
        newest = datetime.fromisoformat(cursor) if cursor else None
        size = self.tool.page_size
        for start in range(0, max(len(matching), 1), size):
            self.tool._api("poll", self._token)  # each page is one API call, faults included
            page = matching[start:start + size]
            if page:
                newest = max(newest or page[-1].updated_at, page[-1].updated_at)
            yield PollPage([self.tool.record(o) for o in page],
                           newest.isoformat() if newest else None)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       url: str = "") -> None:
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        expected = self.tool.sign(body, "")[SIGNATURE_HEADER]
        if not given or not hmac.compare_digest(given, expected):
            raise WebhookRejected("missing or invalid signature")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        event = read_body(FakeEvent, body, "fake tool")
        delivery = {k.lower(): v for k, v in headers.items()}.get(DELIVERY_HEADER)
        record = RemoteRecord(
            remote_type=self.tool.remote_type, remote_id=event.id,
            payload={"id": event.id, "fields": event.fields}, updated_at=event.updated_at,
            version=str(event.version), hub_id=event.hub_id, deleted=event.deleted,
            field_times={f"fields.{k}": v for k, v in event.field_times.items()})
        return WebhookDelivery(delivery_id=delivery or f"{event.id}:{event.version}",
                               records=[record])

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        await self.tool.turn()
        objs = self.tool._api("fetch", self._token,
                              lambda: [self.tool.objects[i] for i in remote_ids
                                       if i in self.tool.objects])
        return [self.tool.record(o) for o in objs]

    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        refused = self.tool.refusals(patch)

        def write() -> FakeObject:
            obj = self.tool.objects.get(link.remote_id)
            if obj is None or obj.deleted:
                raise Permanent(f"{self.tool.name}: {link.remote_id} does not exist", status=404)
            self.tool._write(obj, _fields({k: v for k, v in patch.items() if k not in refused}))
            self.tool._emit(obj, "updated")  # real tools send webhooks for API writes too
            return obj

        await self.tool.turn()
        written = self.tool.record(self.tool._api("push", self._token, write))
        await self.tool.turn()
        if refused:  # like Jira: the fields are written, then the status is refused
            raise FieldsRefused(refused, record=written, status=400)
        return written

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        await self.tool.turn()
        refused = self.tool.refusals(values)
        if refused:  # like Asana: the whole create is refused, naming the field
            self.tool._api("create", self._token)
            raise FieldsRefused(refused, status=400)
        obj = self.tool._api("create", self._token,
                             lambda: self.tool.user_create(_fields(values), hub_id=hub_id))
        return self.tool.record(obj)

    async def list_ids(self, remote_type: str) -> set[str]:
        return set(self.tool._api("list", self._token, lambda: [
            o.remote_id for o in self.tool.objects.values() if not o.deleted]))

    async def find_by_hub_id(self, remote_type: str, hub_id: str) -> RemoteRecord | None:
        await self.tool.turn()
        found = self.tool._api("find", self._token, lambda: [
            o for o in self.tool.objects.values() if o.hub_id == hub_id and not o.deleted])
        return self.tool.record(found[0]) if found else None


def _fields(patch: Mapping[str, Any]) -> dict[str, Any]:
    """Remote paths as the mapping writes them (`fields.title`) -> the object's field names."""
    return {key.removeprefix("fields."): value for key, value in patch.items()}
