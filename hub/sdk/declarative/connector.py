"""`DeclaredConnector`: the verbs of `hub.sdk.Connector`, carried out as a manifest says.

Reading: a full poll lists every record type; later polls read the events feed since its
cursor (and fetch what it names) or list what changed since each type's high-water mark.
Writing: the patch goes out as the manifest's create or update says, with the hub's id kept
where `hub_id` says. Webhooks: verified by the signature scheme, answered as the handshake
says, registered once per target. The tool's peculiarities are hooks (see `hooks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

from hub.config.types import parse_duration
from hub.errors import Permanent
from hub.sdk.config import ConnectorConfig
from hub.sdk.connector import (
    CheckResult,
    Connector,
    Handshake,
    LinkRef,
    PollPage,
    RemoteRecord,
    WebhookDelivery,
    WebhookMalformed,
    WebhookRejected,
    WebhookTarget,
)
from hub.sdk.declarative import manifest as m
from hub.sdk.declarative.client import DeclaredClient
from hub.sdk.declarative.hooks import Hooks
from hub.sdk.declarative.values import format_time, parse_time, pick, render
from hub.sdk.signatures import HmacSignature, JwtSignature, header
from hub.sdk.webhooks import json_object


class DeclaredConnector(Connector[ConnectorConfig]):
    """A connector whose behaviour is its manifest; `declare()` makes one class per kind."""

    manifest: ClassVar[m.Manifest]
    hooks: ClassVar[Hooks] = Hooks()

    def __init__(self, connector_id: str, config: ConnectorConfig) -> None:
        super().__init__(connector_id, config)
        self.context: dict[str, Any] = {"config": config, "connector_id": connector_id}
        self.client = DeclaredClient(self.manifest, config, self.context)
        for name, spec in self.manifest.lookups.items():
            self.lookups.table(name, people=spec.people)

    def ctx(self, **values: Any) -> dict[str, Any]:
        """The context references are filled from, with `values` added."""
        return {**self.context, **values}

    # -- checking and reading ------------------------------------------------------------------
    async def check(self) -> CheckResult:
        spec = self.manifest.check
        answer, _ = await self.client.call(spec.call, self.context)
        return CheckResult(True, str(render(spec.detail, self.ctx(
            answer=pick(answer, spec.call.records)))))

    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        state: dict[str, Any] = json.loads(cursor) if cursor else {}
        await self.refresh_lookups()
        self.lookups_loaded = True
        feed = self.manifest.feed
        if feed is not None and "feed" in state:
            async for page in self._poll_feed(feed, state):
                yield page
            return
        if feed is not None:  # the feed's head before the listing: nothing falls between
            state["feed"] = await self._feed_head(feed)
        for remote_type, spec in self.manifest.records.items():
            if spec.list is None or not spec.poll:
                continue
            params: dict[str, Any] = {}
            since = state.get("since", {}).get(remote_type) if feed is None else None
            start = parse_time(since)
            if start is not None and spec.incremental:
                start -= _duration(spec.incremental.lookback)
                value = format_time(start, spec.incremental.format)
                params[spec.incremental.param] = value if spec.incremental.template is None \
                    else render(spec.incremental.template, {"since": value})
            async for raw in self.client.pages(spec.list, self.ctx(since=since), params):
                records = [self.record(remote_type, r) for r in raw]
                _advance(state.setdefault("since", {}), remote_type, records)
                yield PollPage(records, json.dumps(state))
        yield PollPage([], json.dumps(state))

    async def _feed_head(self, feed: m.Feed) -> str | None:
        async for events in self.client.pages(feed.call, self.context):
            ordered = events if feed.newest_first else events[::-1]
            return str(pick(ordered[0], feed.id)) if ordered else None
        return None

    async def _poll_feed(self, feed: m.Feed, state: dict[str, Any]) -> AsyncIterator[PollPage]:
        since, newest = state.get("feed"), state.get("feed")
        touched: dict[tuple[str, str], bool] = {}  # (type, id) -> deleted; oldest event first
        events: list[Any] = []
        async for page in self.client.pages(feed.call, self.context,
                                            {feed.since_param: since} if since else {}):
            events += page
        for event in (events[::-1] if feed.newest_first else events):
            remote_type = feed.record_types.get(str(pick(event, feed.type)))
            remote_id = pick(event, feed.record_id)
            newest = str(pick(event, feed.id))
            if remote_type and remote_id is not None:
                key = (remote_type, str(remote_id))
                touched.pop(key, None)
                touched[key] = str(pick(event, feed.type)) in feed.deletions
        records = [RemoteRecord(t, i, {}, deleted=True) for (t, i), gone in touched.items() if gone]
        by_type: dict[str, list[str]] = {}
        for (remote_type, remote_id), gone in touched.items():
            if not gone:
                by_type.setdefault(remote_type, []).append(remote_id)
        for remote_type, ids in by_type.items():
            records += await self.fetch(remote_type, ids)
        state["feed"] = newest
        yield PollPage(records, json.dumps(state))

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        spec = self._type(remote_type)
        if spec.fetch is None:
            raise NotImplementedError(f"{self.kind} can't fetch single {remote_type} records")
        call = spec.fetch

        async def one(remote_id: str) -> RemoteRecord:
            try:
                answer, _ = await self.client.call(call, self.ctx(id=remote_id))
            except Permanent as exc:
                if exc.status == 404:
                    return RemoteRecord(remote_type, remote_id, {}, deleted=True)
                raise
            found = pick(answer, call.records)
            if isinstance(found, list):
                found = found[0] if found else None
            if not found:
                return RemoteRecord(remote_type, remote_id, {}, deleted=True)
            return self.record(remote_type, found)

        return list(await asyncio.gather(*(one(i) for i in remote_ids)))

    async def list_ids(self, remote_type: str) -> set[str]:
        spec = self._type(remote_type)
        if spec.list is None:
            raise NotImplementedError(f"{self.kind} can't list {remote_type} records")
        ids: set[str] = set()
        async for raw in self.client.pages(spec.list, self.context):
            ids.update(r.remote_id for r in (self.record(remote_type, x) for x in raw)
                       if not r.deleted)
        return ids

    async def refresh_lookups(self) -> None:
        rows: dict[str, list[Any]] = {}
        for name, spec in self.manifest.lookups.items():
            rows[name] = [r async for raw in self.client.pages(spec.call, self.context)
                          for r in raw]
            self.lookups.table(name).replace({str(pick(r, spec.id)): pick(r, spec.value)
                                              for r in rows[name]})
        for name, extra in (self.hooks.lookups(self, rows) if self.hooks.lookups else {}).items():
            self.lookups.table(name).update(extra)

    def record(self, remote_type: str, raw: Mapping[str, Any]) -> RemoteRecord:
        """A tool's object as a remote record (the hub id taken out of where it is kept)."""
        spec = self._type(remote_type)
        payload = dict(self.hooks.record(self, remote_type, raw) if self.hooks.record else raw)
        hub_id = None
        if spec.hub_id is not None:
            hub_id, payload[spec.hub_id.field] = _take_marker(
                spec.hub_id, pick(payload, spec.hub_id.field))
        url = pick(payload, spec.url) if spec.url and "{" not in spec.url else \
            render(spec.url, self.ctx(record=payload)) if spec.url else None
        return RemoteRecord(remote_type, str(pick(payload, spec.id)), payload,
                            updated_at=parse_time(pick(payload, spec.updated))
                            if spec.updated else None,
                            url=str(url) if url else None, hub_id=hub_id,
                            deleted=bool(pick(payload, spec.deleted)) if spec.deleted else False)

    # -- writing -----------------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        spec = self._type(link.remote_type)
        if spec.update is None:
            raise Permanent(f"{self.kind} does not write {link.remote_type} records", status=405)
        await self.ensure_lookups()
        answer = await self._write(spec, spec.update, link.remote_type, dict(patch),
                                   link.hub_id, remote_id=link.remote_id)
        return await self._written(link.remote_type, link.remote_id, spec.update, answer)

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        spec = self._type(remote_type)
        if spec.create is None:
            raise NotImplementedError(f"{self.kind} cannot create {remote_type} records")
        await self.ensure_lookups()
        values = dict(values)
        if spec.hub_id is not None:
            values.setdefault(spec.hub_id.field, "")
        answer = await self._write(spec, spec.create, remote_type, values, hub_id, remote_id=None)
        made = pick(answer, spec.create.record)
        return await self._written(remote_type, str(pick(made, spec.id)), spec.create, answer)

    async def _write(self, spec: m.RecordType, write: m.Write, remote_type: str,
                     patch: dict[str, Any], hub_id: str | None,
                     remote_id: str | None) -> Any:
        if spec.hub_id is not None and spec.hub_id.field in patch and hub_id:
            patch[spec.hub_id.field] = _put_marker(spec.hub_id, patch[spec.hub_id.field], hub_id)
        # References see the patch as the mapping wrote it; the hook shapes what is sent.
        context = self.ctx(id=remote_id, hub_id=hub_id, patch=dict(patch))
        if self.hooks.patch:
            patch = self.hooks.patch(self, remote_type, patch, hub_id=hub_id,
                                     create=remote_id is None)
        if write.send == "variable":
            call = m.Call(query=write.query, variables=write.variables)
            answer, _ = await self.client.call(call, context,
                                               variables={write.variable: _json_text(patch)})
            return answer
        sent = {k: (",".join(map(str, v)) if write.join_lists and isinstance(v, list) else v)
                for k, v in patch.items()}
        call = m.Call(method=write.method, path=write.path, params=write.params,
                      body=None if write.send == "query" else _nest(sent))
        answer, _ = await self.client.call(
            call, context, params={k: "" if v is None else v for k, v in sent.items()}
            if write.send == "query" else None)
        return answer

    async def _written(self, remote_type: str, remote_id: str, write: m.Write,
                       answer: Any) -> RemoteRecord:
        spec = self._type(remote_type)
        if spec.fetch is None:
            return self.record(remote_type, pick(answer, write.record))
        found = await self.fetch(remote_type, [remote_id])
        if not found or found[0].deleted:
            raise Permanent(f"{self.kind}: {remote_type} {remote_id} does not exist", status=404)
        return found[0]

    async def find_by_hub_id(self, remote_type: str, hub_id: str) -> RemoteRecord | None:
        spec = self._type(remote_type)
        if spec.hub_id is None:
            return None
        call = spec.hub_id.find or spec.list
        if call is None:
            return None
        async for raw in self.client.pages(call, self.ctx(hub_id=hub_id)):
            for found in (self.record(remote_type, r) for r in raw):
                if found.hub_id == hub_id and not found.deleted:
                    return found
        return None

    # -- webhooks ------------------------------------------------------------------------------
    def _hooks(self) -> m.Webhooks:
        if self.manifest.webhooks is None:
            raise WebhookRejected(f"connector kind {self.kind!r} does not take webhooks")
        return self.manifest.webhooks

    def handshake(self, headers: Mapping[str, str]) -> Handshake | None:
        spec = self.manifest.webhooks
        secret = header(headers, "x-hook-secret") if spec and \
            spec.handshake == "x_hook_secret" else None
        return Handshake({"X-Hook-Secret": secret}, secret) if secret else None

    def challenge(self, body: bytes) -> bytes | None:
        spec = self.manifest.webhooks
        if spec is None or spec.handshake != "challenge":
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if isinstance(data, dict) and set(data) == {"challenge"}:
            return json.dumps({"challenge": data["challenge"]}).encode()
        return None

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *, url: str = "") -> None:
        spec = self._hooks()
        secrets = {*self.webhook_secrets}
        with contextlib.suppress(KeyError, AttributeError):  # a secret the config doesn't set
            secrets.add(str(render(spec.secret, self.context) or ""))
        tolerance = self.config.webhook.tolerance.total_seconds()
        scheme = spec.signature
        if isinstance(scheme, m.JwtScheme):
            JwtSignature(scheme.header, scheme.algorithm).verify(secrets, headers, body, url=url,
                                                                 tolerance=tolerance)
            return
        HmacSignature(scheme.header, scheme.algorithm, scheme.encoding, tuple(scheme.parts),
                      scheme.separator, scheme.prefix, scheme.timestamp_header).verify(
            secrets, headers, body, url=url, tolerance=tolerance)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        spec = self._hooks()
        data = json_object(body, self.kind)
        found = pick(data, spec.events)
        if found is None:
            raise WebhookMalformed(f"not a {self.kind} delivery: `{spec.events}` is missing")
        records: dict[tuple[str, str], RemoteRecord] = {}
        for event in found if isinstance(found, list) else [found]:
            kind = pick(event, spec.type) if isinstance(event, dict) else None
            if not isinstance(kind, str):
                where = ".".join(p for p in (spec.events, spec.type) if p)
                raise WebhookMalformed(f"not a {self.kind} delivery: `{where}` is missing "
                                       "or not text")
            remote_type, remote_id = spec.record_types.get(kind), pick(event, spec.record_id)
            if remote_type and not isinstance(remote_id, (str, int)):
                raise WebhookMalformed(f"not a {self.kind} delivery: a {kind} event without "
                                       f"`{spec.record_id}`")
            if remote_type:
                records[(remote_type, str(remote_id))] = RemoteRecord(
                    remote_type, str(remote_id), {}, deleted=kind in spec.deletions)
        delivery = pick(data, spec.delivery_id) if spec.delivery_id else None
        return WebhookDelivery(str(delivery or "sha256:" + hashlib.sha256(body).hexdigest()),
                               list(records.values()), needs_fetch=True)

    async def register_webhooks(self, target: WebhookTarget) -> int:
        spec = self.manifest.webhooks
        if spec is None or spec.subscribe is None:
            raise NotImplementedError(f"{self.kind} registers no webhooks")
        existing: set[str] = set()
        if spec.subscriptions is not None:
            async for hooks in self.client.pages(spec.subscriptions, self.ctx(target=target.url)):
                # a webhook made with a one-time address is this hub's all the same
                existing.update(str(pick(h, spec.subscription_key)).split("?", 1)[0]
                                for h in hooks)
        made = 0
        for event in spec.subscribe_for:
            known = str(render(spec.subscription_value, self.ctx(target=target.url, event=event)))
            if known.split("?", 1)[0] in existing:
                continue
            # An X-Hook-Secret handshake is taken only at a one-time address of the hub's.
            url = await target.one_time() if spec.handshake == "x_hook_secret" else target.url
            await self.client.call(spec.subscribe, self.ctx(target=url, event=event))
            made += 1
        return made

    async def aclose(self) -> None:
        await self.client.aclose()

    def _type(self, remote_type: str) -> m.RecordType:
        try:
            return self.manifest.records[remote_type]
        except KeyError:
            raise Permanent(f"{self.kind} has no remote type {remote_type!r}",
                            status=400) from None


def _duration(text: str) -> timedelta:
    return parse_duration(text)


def _advance(since: dict[str, str], remote_type: str, records: list[RemoteRecord]) -> None:
    times = [r.updated_at for r in records if r.updated_at]
    known = parse_time(since.get(remote_type))
    if times and (known is None or max(times) > known):
        since[remote_type] = max(times).isoformat()


def _take_marker(spec: m.HubIdSpec, value: Any) -> tuple[str | None, Any]:
    """The hub id in a field's text, and the text without it."""
    if not isinstance(value, str):
        return None, value
    before, _, after = spec.marker.partition("{hub_id}")
    if not before and not after:
        return (value or None), value
    start = value.rfind(before) if before else 0
    end = value.find(after, start + len(before)) if after else len(value)
    if start < 0 or end < 0:
        return None, value
    found = value[start + len(before):end]
    return (found or None), (value[:start] + value[end + len(after):]).rstrip()


def _put_marker(spec: m.HubIdSpec, value: Any, hub_id: str) -> Any:
    """The field's text with the hub id kept in it."""
    if spec.marker == "{hub_id}":
        return hub_id
    text = "" if value is None else str(value)
    return (text.rstrip() + "\n\n" if text.strip() else "") + spec.marker.replace("{hub_id}",
                                                                                  hub_id)


def _nest(patch: Mapping[str, Any]) -> dict[str, Any]:
    """`{"a.b": 1}` as `{"a": {"b": 1}}`: a JSON body from remote paths."""
    out: dict[str, Any] = {}
    for path, value in patch.items():
        node = out
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _json_text(patch: Mapping[str, Any]) -> str:
    return json.dumps(patch, separators=(",", ":"), default=str)
