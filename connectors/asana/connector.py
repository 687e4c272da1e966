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
from connectors.asana.comments import AsanaComments
from connectors.asana.config import AsanaConfig
from connectors.asana.tasks import (
    TASK_FIELDS,
    EventBatch,
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
    FieldsRefused,
    Handshake,
    LinkRef,
    PollPage,
    PollProgress,
    RemoteRecord,
    WebhookDelivery,
    WebhookRejected,
    WebhookTarget,
)
from hub.sdk.http import ToolRefusal
from hub.sdk.webhooks import read_body

#: above this many changed tasks in a project, one `modified_since` listing beats single reads
_FETCH_ONE_BY_ONE = 20
#: task fields a patch may set directly
_PLAIN = {"due_on", "due_at", "completed", "start_on"}
#: task fields that are strings, never null (asana.yaml): an empty value is ""
_TEXT = {"name", "notes"}


class AsanaConnector(AsanaComments, Connector[AsanaConfig]):
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
                           page.stream, progress=page.progress)

    async def _poll_tasks(self, cursor: str | None) -> AsyncIterator[PollPage]:
        state = json.loads(cursor) if cursor else {}
        tokens: dict[str, str] = state.setdefault("tokens", {})
        since: dict[str, str] = state.setdefault("since", {})  # per project: clocks differ
        total = len(self.config.projects)
        for done, project in enumerate(self.config.projects):
            progress = PollProgress(done, total, "projects")
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
                yield PollPage(records, json.dumps(state),
                               progress=PollProgress(done + 1, total, "projects"))
            except SyncTokenExpired as expired:
                # First run, or the token aged out: read what changed since we last looked
                # (everything the first time), then go on with the fresh token.
                async for page in self._read_project(project, since.get(project)):
                    _advance(since, project, page)
                    yield PollPage(page, json.dumps(state), progress=progress)
                tokens[project] = expired.sync or await self._fresh_token(project)
                yield PollPage([], json.dumps(state), progress=PollProgress(done + 1, total,
                                                                             "projects"))

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
        params: dict[str, Any] = {"project": project, "opt_fields": TASK_FIELDS}
        if since:  # a little overlap: modified_at and the events clock are not one clock
            start = parse_time(since)
            if start is not None:
                params["modified_since"] = (start - timedelta(minutes=1)).isoformat()
        # GET /tasks takes modified_since; GET /projects/{gid}/tasks would ignore it and
        # answer every task of the project.
        async for tasks in self.client.pages("/tasks", params, self.config.page_size):
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

    async def register_webhooks(self, target: WebhookTarget) -> int:
        created = 0
        for project in self.config.projects:
            info = await self.client.data("GET", f"/projects/{project}",
                                          params={"opt_fields": "workspace.gid"})
            existing = await self.client.data("GET", "/webhooks", params={
                "workspace": info["workspace"]["gid"], "resource": project,
                "opt_fields": "target,resource.gid,active"})
            if any(target.registered(w.get("target")) for w in existing or []):
                continue
            # Asana calls the target with X-Hook-Secret while this request is in flight; the
            # hub answers only at this one-time address.
            await self.client.data("POST", "/webhooks", body={
                "resource": project, "target": await target.one_time()})
            created += 1
        return created

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        events = read_body(EventBatch, body, "Asana webhook").events
        records: dict[str, RemoteRecord] = {}
        threads: dict[str, None] = {}
        for event in events:
            if event.resource.resource_type == "story" and event.parent is not None and \
                    event.parent.resource_type == "task":
                threads[event.parent.gid] = None  # a comment added, changed or deleted
            if event.resource.resource_type != "task":
                continue
            gid = event.resource.gid
            # Only ids: the engine reads each task back (and so confirms a deletion).
            records[gid] = RemoteRecord("task", gid, {}, deleted=event.action == "deleted")
        return WebhookDelivery("sha256:" + hashlib.sha256(body).hexdigest(),
                               list(records.values()), needs_fetch=True,
                               comment_threads=list(threads))

    # -- writing ---------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        task = await self.client.data("GET", f"/tasks/{link.remote_id}",
                                      params={"opt_fields": TASK_FIELDS})
        project = (flatten(task, self.config.projects, self.config.status_field,
                           self.config.done_status).get("project") or {}).get("gid") \
            or self.config.projects[0]
        body, section, refused = await self._body(project, patch)
        if body:
            try:
                await self.client.data("PUT", f"/tasks/{link.remote_id}", body=body)
            except ToolRefusal as exc:
                raise _refused(exc, patch, refused) from None
        if section:
            await self.client.data("POST", f"/sections/{section}/addTask",
                                   body={"task": link.remote_id})
        record = await self._read(link.remote_id)
        if refused:
            raise FieldsRefused(refused, record=record, status=400)
        return record

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        project = self.config.create_project or self.config.projects[0]
        body, section, refused = await self._body(project, values)
        body["projects"] = [project]
        body["external"] = {"gid": hub_id}  # a retried create finds the task by this id
        try:
            created = await self.client.data("POST", "/tasks", body=body)
        except ToolRefusal as exc:  # e.g. an assignee without an Asana account: the engine
            raise _refused(exc, values, refused) from None  # creates the task without it
        if section:
            await self.client.data("POST", f"/sections/{section}/addTask",
                                   body={"task": created["gid"]})
        record = await self._read(str(created["gid"]))
        if refused:
            raise FieldsRefused(refused, record=record, status=400)
        return record

    async def _body(self, project: str, patch: Mapping[str, Any]
                    ) -> tuple[dict[str, Any], str | None, dict[str, str]]:
        """Remote paths -> Asana's task body, the section to move to (if any), and the paths
        the project can't take (an option its enum field lacks), with the reason."""
        body: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        section: str | None = None
        refused: dict[str, str] = {}
        for path, value in patch.items():
            try:
                if path in _TEXT:
                    body[path] = "" if value is None else value  # Asana's text is never null
                elif path in _PLAIN:
                    body[path] = value
                elif path == "assignee.email":
                    email = value[0] if isinstance(value, list) and value else value or None
                    body["assignee"] = email  # Asana takes an e-mail where a user gid goes
                elif path == "status":
                    custom.update(await self._custom(project, self.config.status_field, value))
                    body["completed"] = value == self.config.done_status
                    if self.config.status_sections:
                        section = (await self._section_gids(project)).get(str(value)) or section
                elif path == "section":
                    section = (await self._section_gids(project)).get(str(value))
                elif path.startswith("custom."):
                    custom.update(await self._custom(project, path.removeprefix("custom."),
                                                     value))
            except Permanent as exc:
                if exc.status != 400:
                    raise
                refused[path] = exc.reason
        if custom:
            body["custom_fields"] = custom
        return body, section, refused

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


#: Asana's task field (as its errors name it) -> the patch paths written through it
_WRITTEN_AS = {"assignee": ("assignee.email",), "completed": ("status",),
               **{name: (name,) for name in _PLAIN}}


def _refused(exc: ToolRefusal, patch: Mapping[str, Any],
             refused: Mapping[str, str]) -> Permanent:
    """Asana's refusal of a write as the paths of `patch` it names (`FieldsRefused`: the rest
    is written without them), or as it is when it names none of them."""
    named: dict[str, str] = {}
    for name, why in exc.fields.items():
        paths = _WRITTEN_AS.get(name) or (
            tuple(p for p in patch if p == "status" or p.startswith("custom."))
            if name == "custom_fields" else ())
        named.update({path: f"asana: {why}" for path in paths if path in patch})
    if not named:
        return exc
    return FieldsRefused({**refused, **named}, status=exc.status)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _advance(since: dict[str, str], project: str, page: list[RemoteRecord]) -> None:
    """Move the project's high-water mark to the newest change in `page`."""
    times = [r.updated_at for r in page if r.updated_at]
    known = parse_time(since.get(project))
    if times and (known is None or max(times) > known):
        since[project] = max(times).isoformat()
