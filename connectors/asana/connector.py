"""The Asana connector: marketing's tasks, followed incrementally through the events API.

It speaks REST over httpx's AsyncClient rather than the official `asana` SDK, which is
synchronous (urllib3) and would block the hub's event loop for every call.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

from connectors.asana.client import AsanaClient, SyncTokenExpired
from connectors.asana.config import AsanaConfig
from connectors.asana.tasks import (
    TASK_FIELDS,
    assignees,
    flatten,
    parse_time,
    snake,
    to_record,
)
from hub.errors import Permanent
from hub.sdk.connector import (
    CheckResult,
    Connector,
    Handshake,
    LinkRef,
    PollPage,
    RemoteRecord,
    WebhookDelivery,
    WebhookRejected,
)

#: above this many changed tasks in a project, one `modified_since` listing beats single reads
_FETCH_ONE_BY_ONE = 20
#: task fields a patch may set directly
_PLAIN = {"name", "notes", "due_on", "due_at", "completed", "start_on"}


class AsanaConnector(Connector[AsanaConfig]):
    """Tasks of the projects in scope. Cursor: JSON of a sync token per project and the newest
    `modified_at` seen (the fallback when a token has expired)."""

    kind: ClassVar[str] = "asana"
    config_model = AsanaConfig
    remote_types: ClassVar[Mapping[str, str]] = {"task": "task", "user": "person"}

    def __init__(self, connector_id: str, config: AsanaConfig) -> None:
        super().__init__(connector_id, config)
        self.client = AsanaClient(config)
        self._fields: dict[str, dict[str, Any]] = {}  # project -> custom field name -> field
        self._sections: dict[str, dict[str, str]] = {}  # project -> section name -> gid

    async def check(self) -> CheckResult:
        me = await self.client.data("GET", "/users/me")
        names = [(await self.client.data("GET", f"/projects/{gid}",
                                         params={"opt_fields": "name"}))["name"]
                 for gid in self.config.projects]
        return CheckResult(True, f"{me.get('name')} ({me.get('email')}); projects: "
                                 f"{', '.join(names)}")

    # -- reading ---------------------------------------------------------------------------
    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        seen: set[str] = set()  # assignees already read in this poll
        async for page in self._poll_tasks(cursor):
            yield PollPage(page.records + assignees(page.records, seen), page.cursor,
                           page.stream)

    async def _poll_tasks(self, cursor: str | None) -> AsyncIterator[PollPage]:
        state = json.loads(cursor) if cursor else {}
        tokens: dict[str, str] = state.setdefault("tokens", {})
        since: dict[str, str] = state.setdefault("since", {})  # per project: clocks differ
        for project in self.config.projects:
            token = tokens.get(project)
            try:
                if token is None:
                    raise SyncTokenExpired("")
                changed, gone, token = await self._events(project, token)
                if len(changed) > _FETCH_ONE_BY_ONE:
                    # Many changes: one listing of what changed since is fewer calls than a
                    # read per task.
                    records = [r async for page in self._read_project(project, since.get(project))
                               for r in page if r.remote_id in changed]
                else:
                    records = await self.fetch("task", sorted(changed))
                records += [RemoteRecord("task", gid, {}, deleted=True) for gid in sorted(gone)]
                tokens[project] = token
                _advance(since, project, records)
                yield PollPage(records, json.dumps(state))
            except SyncTokenExpired as expired:
                # First run, or the token aged out: read what changed since we last looked
                # (everything the first time), then go on with the fresh token.
                async for page in self._read_project(project, since.get(project)):
                    _advance(since, project, page)
                    yield PollPage(page, json.dumps(state))
                tokens[project] = expired.sync or await self._fresh_token(project)
                yield PollPage([], json.dumps(state))

    async def _events(self, project: str, token: str) -> tuple[set[str], set[str], str]:
        changed: set[str] = set()
        gone: set[str] = set()
        more = True
        while more:
            events, token, more = await self.client.events(project, token)
            for event in events:
                resource = event.get("resource") or {}
                if resource.get("resource_type") != "task":
                    continue
                gid = str(resource["gid"])
                action = event.get("action")
                removed_here = action == "removed" and \
                    (event.get("parent") or {}).get("gid") == project
                if action == "deleted" or removed_here:
                    gone.add(gid)
                    changed.discard(gid)
                else:
                    changed.add(gid)
                    gone.discard(gid)
        return changed, gone, token

    async def _fresh_token(self, project: str) -> str:
        try:
            _, token, _ = await self.client.events(project, None)
        except SyncTokenExpired as expired:
            return expired.sync
        return token

    async def _read_project(self, project: str,
                            since: str | None) -> AsyncIterator[list[RemoteRecord]]:
        params: dict[str, Any] = {"opt_fields": TASK_FIELDS}
        if since:  # a little overlap: modified_at and the events clock are not one clock
            start = parse_time(since)
            if start is not None:
                params["modified_since"] = (start - timedelta(minutes=1)).isoformat()
        async for tasks in self.client.pages(f"/projects/{project}/tasks", params,
                                             self.config.page_size):
            yield [self._record(t) for t in tasks]

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        async def one(gid: str) -> RemoteRecord | None:
            try:
                task = await self.client.data("GET", f"/tasks/{gid}",
                                              params={"opt_fields": TASK_FIELDS})
            except Permanent as exc:
                if exc.status == 404:
                    return RemoteRecord("task", gid, {}, deleted=True)
                raise
            return self._record(task)

        found = await asyncio.gather(*(one(gid) for gid in remote_ids))
        return [r for r in found if r is not None]

    async def find_by_hub_id(self, remote_type: str, hub_id: str) -> RemoteRecord | None:
        try:
            task = await self.client.data("GET", f"/tasks/external:{hub_id}",
                                          params={"opt_fields": TASK_FIELDS})
        except Permanent as exc:
            if exc.status == 404:
                return None
            raise
        return self._record(task)

    # -- webhooks --------------------------------------------------------------------------
    def handshake(self, headers: Mapping[str, str]) -> Handshake | None:
        secret = _header(headers, "x-hook-secret")
        return Handshake({"X-Hook-Secret": secret}, secret) if secret else None

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       url: str = "") -> None:
        secrets = set(self.webhook_secrets)
        if self.config.webhook.secret is not None:
            secrets.add(self.config.webhook.secret.get_secret_value())
        if not secrets:
            raise WebhookRejected(f"{self.connector_id} has no webhook yet (no handshake)")
        given = (_header(headers, "x-hook-signature") or "").encode()
        # Each webhook (one per project) has its own secret; any of them may have signed.
        matches = [hmac.compare_digest(given, hmac.new(s.encode(), body, hashlib.sha256)
                                       .hexdigest().encode()) for s in secrets]
        if not given or not any(matches):
            raise WebhookRejected("missing or invalid X-Hook-Signature")

    async def register_webhooks(self, target_url: str) -> int:
        created = 0
        for project in self.config.projects:
            info = await self.client.data("GET", f"/projects/{project}",
                                          params={"opt_fields": "workspace.gid"})
            existing = await self.client.data("GET", "/webhooks", params={
                "workspace": info["workspace"]["gid"], "resource": project,
                "opt_fields": "target,resource.gid,active"})
            if any(w.get("target") == target_url for w in existing or []):
                continue
            # Asana calls the target with X-Hook-Secret while this request is in flight.
            await self.client.data("POST", "/webhooks",
                                   body={"resource": project, "target": target_url})
            created += 1
        return created

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        events = json.loads(body).get("events") or []
        records: dict[str, RemoteRecord] = {}
        for event in events:
            resource = event.get("resource") or {}
            if resource.get("resource_type") != "task":
                continue
            gid = str(resource["gid"])
            deleted = event.get("action") == "deleted"
            records[gid] = RemoteRecord("task", gid, {}, deleted=deleted)
        return WebhookDelivery("sha256:" + hashlib.sha256(body).hexdigest(),
                               list(records.values()), needs_fetch=True)

    # -- writing ---------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        task = await self.client.data("GET", f"/tasks/{link.remote_id}",
                                      params={"opt_fields": TASK_FIELDS})
        project = (flatten(task, self.config.projects, self.config.status_field,
                           self.config.done_status).get("project") or {}).get("gid") \
            or self.config.projects[0]
        body, section = await self._body(project, patch)
        if body:
            await self.client.data("PUT", f"/tasks/{link.remote_id}", body=body)
        if section:
            await self.client.data("POST", f"/sections/{section}/addTask",
                                   body={"task": link.remote_id})
        return await self._read(link.remote_id)

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        project = self.config.create_project or self.config.projects[0]
        body, section = await self._body(project, values)
        body["projects"] = [project]
        body["external"] = {"gid": hub_id}  # a retried create finds the task by this id
        created = await self.client.data("POST", "/tasks", body=body)
        if section:
            await self.client.data("POST", f"/sections/{section}/addTask",
                                   body={"task": created["gid"]})
        return await self._read(str(created["gid"]))

    async def _body(self, project: str,
                    patch: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Remote paths -> Asana's task body, and the section to move to (if any)."""
        body: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        section: str | None = None
        for path, value in patch.items():
            if path in _PLAIN:
                body[path] = value
            elif path == "assignee.email":
                email = value[0] if isinstance(value, list) and value else value or None
                body["assignee"] = email  # Asana takes an e-mail where a user gid goes
            elif path == "status":
                body["completed"] = value == self.config.done_status
                custom.update(await self._custom(project, self.config.status_field, value))
                if self.config.status_sections:
                    section = (await self._section_gids(project)).get(str(value)) or section
            elif path == "section":
                section = (await self._section_gids(project)).get(str(value))
            elif path.startswith("custom."):
                custom.update(await self._custom(project, path.removeprefix("custom."), value))
        if custom:
            body["custom_fields"] = custom
        return body, section

    async def _custom(self, project: str, name: str, value: Any) -> dict[str, Any]:
        fields = await self._custom_fields(project)
        field = fields.get(snake(name))
        if field is None:
            return {}  # the project has no such field: nothing to write there
        if field.get("type") != "enum":
            return {field["gid"]: value}
        if value is None:
            return {field["gid"]: None}
        options = {o["name"]: o["gid"] for o in field.get("enum_options") or []}
        if value not in options:
            raise Permanent(f"asana: {field['name']} has no option {value!r} "
                            f"(options: {', '.join(options)})", status=400)
        return {field["gid"]: options[value]}

    async def _custom_fields(self, project: str) -> dict[str, dict[str, Any]]:
        if project not in self._fields:
            data = await self.client.data("GET", f"/projects/{project}", params={
                "opt_fields": "custom_field_settings.custom_field.name,"
                              "custom_field_settings.custom_field.type,"
                              "custom_field_settings.custom_field.enum_options.name"})
            self._fields[project] = {
                snake(s["custom_field"]["name"]): s["custom_field"]
                for s in data.get("custom_field_settings") or []}
        return self._fields[project]

    async def _section_gids(self, project: str) -> dict[str, str]:
        if project not in self._sections:
            sections = await self.client.data("GET", f"/projects/{project}/sections")
            self._sections[project] = {s["name"]: s["gid"] for s in sections or []}
        return self._sections[project]

    async def _read(self, gid: str) -> RemoteRecord:
        task = await self.client.data("GET", f"/tasks/{gid}", params={"opt_fields": TASK_FIELDS})
        return self._record(task)

    def _record(self, task: Mapping[str, Any]) -> RemoteRecord:
        flat = flatten(task, self.config.projects, self.config.status_field,
                       self.config.done_status)
        return to_record(task, flat)

    async def aclose(self) -> None:
        await self.client.aclose()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _advance(since: dict[str, str], project: str, page: list[RemoteRecord]) -> None:
    """Move the project's high-water mark to the newest change in `page`."""
    times = [r.updated_at for r in page if r.updated_at]
    known = parse_time(since.get(project))
    if times and (known is None or max(times) > known):
        since[project] = max(times).isoformat()
