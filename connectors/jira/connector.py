"""The Jira Cloud connector: R&D's issues in, reconciled fields and statuses out.

It speaks REST over httpx's AsyncClient rather than the `jira` package, which is synchronous
(requests) and would block the hub's event loop for every call.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.jira.client import API, JiraClient
from connectors.jira.comments import JiraComments
from connectors.jira.config import JiraConfig
from connectors.jira.issues import FIELDS, IssueEvent, assignees, jql_time, to_record
from connectors.jira.transitions import move_to_status
from hub.errors import HubError, Permanent
from hub.sdk.connector import (
    CheckResult,
    Connector,
    FieldsRefused,
    LinkRef,
    PollPage,
    PollProgress,
    RemoteRecord,
    WebhookDelivery,
    WebhookRejected,
)
from hub.sdk.http import ToolRefusal
from hub.sdk.webhooks import read_body

STATUS_PATH = "fields.status.name"
ASSIGNEE_PATH = "fields.assignee.emailAddress"
_UNKNOWN_FOR = 300.0  # seconds what Jira said of accounts and workflows is taken as true


class JiraConnector(JiraComments, Connector[JiraConfig]):
    """Issues in a JQL scope. Cursor: the newest `updated` seen, ISO 8601."""

    kind: ClassVar[str] = "jira"
    config_model = JiraConfig
    remote_types: ClassVar[Mapping[str, str]] = {"issue": "task", "user": "person"}

    def __init__(self, connector_id: str, config: JiraConfig) -> None:
        super().__init__(connector_id, config)
        self.client = JiraClient(config)
        self._zone: tzinfo | None = None
        self._accounts: dict[str, tuple[str | None, float]] = {}  # e-mail -> (id, when)
        self._projects: dict[str, bool] = {}  # project key -> whether Jira has it
        self._project_statuses: dict[str, tuple[set[str] | None, float]] = {}

    # -- reading ---------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        me = await self.client.get_json(f"{API}/myself")
        info = await self.client.get_json(f"{API}/serverInfo")
        if self.config.jql:  # a scope Jira can't parse is a config error worth seeing now
            await self.client.request("POST", f"{API}/search/jql",
                                      json={"jql": self.config.jql, "maxResults": 1})
        return CheckResult(True, f"{me.get('displayName')} on {info.get('baseUrl')} "
                                 f"(Jira {info.get('version', 'Cloud')})")

    async def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        since = datetime.fromisoformat(cursor) if cursor else None
        clauses = [f"({self.config.jql})"] if self.config.jql else []
        if since is not None:
            # JQL is minute-granular: re-read the overlap; the engine drops what it has seen.
            start = since - self.config.poll.overlap - timedelta(minutes=1)
            clauses.append(f'updated >= "{jql_time(start, await self._user_zone())}"')
        if not clauses:  # Jira refuses unbounded searches
            clauses.append('created >= "1970/01/01"')
        jql = " AND ".join(clauses)
        total = await self._count(jql)
        newest = since
        seen: set[str] = set()  # assignees already read in this poll
        done = 0
        async for issues in self.client.search(
                jql + " ORDER BY updated ASC", fields=FIELDS, page_size=self.config.page_size,
                expand="changelog" if self.config.changelog else None,
                properties=[self.config.hub_property]):
            records = [self._record(issue) for issue in issues]
            for record in records:
                if record.updated_at and (newest is None or record.updated_at > newest):
                    newest = record.updated_at
            done += len(records)
            yield PollPage(records + assignees(records, seen),
                           newest.isoformat() if newest else cursor,
                           progress=PollProgress(done, max(done, total), "issues")
                           if total is not None else None)

    async def _count(self, jql: str) -> int | None:
        """How many issues the poll will read, for its progress; None when Jira won't say."""
        try:
            return await self.client.count(jql)
        except (HubError, KeyError, TypeError, ValueError):
            return None  # an estimate only: the poll goes on without one

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        out: list[RemoteRecord] = []
        for start in range(0, len(remote_ids), 100):
            batch = remote_ids[start:start + 100]
            try:
                async for issues in self.client.search(
                        f"id in ({', '.join(batch)})", fields=FIELDS, page_size=100,
                        expand="changelog" if self.config.changelog else None,
                        properties=[self.config.hub_property]):
                    out += [self._record(issue) for issue in issues]
            except Permanent as exc:
                if exc.status != 400:
                    raise
                # JQL refuses the whole list when one issue is gone: read them one by one.
                for remote_id in batch:
                    try:
                        out.append(await self._read(remote_id))
                    except Permanent as missing:
                        if missing.status != 404:
                            raise
        return out

    async def list_ids(self, remote_type: str) -> set[str]:
        """Ids of every issue in scope now (for finding issues deleted in Jira)."""
        if remote_type != "issue":
            raise NotImplementedError("jira lists no users")  # people leave through HR
        # Jira refuses unbounded searches: with no scope, bound it by creation date.
        jql = f"({self.config.jql})" if self.config.jql else 'created >= "1970/01/01"'
        found: set[str] = set()
        async for issues in self.client.search(jql, fields=["id"], page_size=1000):
            found.update(str(i["id"]) for i in issues)
        return found

    async def find_by_hub_id(self, remote_type: str, hub_id: str) -> RemoteRecord | None:
        jql = f'issue.property[{self.config.hub_property}].id = "{hub_id}"'
        async for issues in self.client.search(jql, fields=FIELDS, page_size=1,
                                               properties=[self.config.hub_property]):
            return self._record(issues[0]) if issues else None
        return None

    # -- webhooks --------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *,
                       url: str = "") -> None:
        secret = self.config.webhook.secret
        if secret is None:
            raise WebhookRejected(f"{self.connector_id} has no webhook secret configured")
        given = _header(headers, "x-hub-signature")
        expected = "sha256=" + hmac.new(secret.get_secret_value().encode(), body,
                                        hashlib.sha256).hexdigest()
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("missing or invalid X-Hub-Signature")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        event = read_body(IssueEvent, body, "Jira issue")
        # The issue as Jira sent it (its fields are plain JSON already: no deep copy).
        issue = {"id": event.issue.id, "key": event.issue.key, "fields": event.issue.fields,
                 **(event.issue.model_extra or {})}
        delivery = _header(headers, "x-atlassian-webhook-identifier") or \
            "sha256:" + hashlib.sha256(body).hexdigest()
        deleted = event.webhookEvent == "jira:issue_deleted"
        record = self._record(issue, deleted=deleted)
        # The changelog of this event: when exactly each of its fields changed.
        when = datetime.fromtimestamp(event.timestamp / 1000, UTC) \
            if event.timestamp is not None else record.updated_at
        times = dict(record.field_times)
        for item in event.changelog.items if event.changelog else []:
            name = item.fieldId or item.field
            if name and when:
                times[f"fields.{name}"] = when
        issue_record = RemoteRecord(record.remote_type, record.remote_id, record.payload,
                                    record.updated_at, record.version, record.url,
                                    record.hub_id, record.deleted, times)
        if event.webhookEvent.startswith("comment_"):
            # The issue in a comment event is abridged: only its thread is read again.
            return WebhookDelivery(delivery_id=delivery, comment_threads=[record.remote_id])
        return WebhookDelivery(delivery_id=delivery,
                               records=[issue_record, *assignees([record], set())])

    # -- writing ---------------------------------------------------------------------------
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        key = link.remote_id
        refused: dict[str, str] = {}
        fields = await self._fields(patch, refused)
        if fields:
            try:
                await self.client.request("PUT", f"{API}/issue/{key}", json={"fields": fields},
                                          params={"notifyUsers": "false"})
            except ToolRefusal as exc:  # Jira names the fields it refused: write the rest
                named = _named(exc, patch)
                if not named:
                    raise
                raise FieldsRefused({**refused, **named}, status=exc.status) from None
        await self._move(key, patch, refused)
        record = await self._read(key)
        if refused:  # the rest is written; the status (or an unknown assignee) is not
            raise FieldsRefused(refused, record=record, status=400)
        return record

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        refused: dict[str, str] = {}
        fields = await self._fields(values, refused, creating=True)
        fields.setdefault("issuetype", {"name": self.config.issue_type})
        wanted = fields.pop("project", {}).get("key")
        project = await self._new_issue_project(wanted)
        if not project:
            unknown = f"the task's project {wanted} is no Jira project and " if wanted else ""
            raise Permanent(f"jira: {unknown}{self.connector_id} has no create_project set: "
                            "where should the hub create issues?", status=400)
        fields["project"] = {"key": project}
        try:
            created = (await self.client.request("POST", f"{API}/issue", json={
                "fields": fields,
                # Stored with the issue in the same call: a retry finds it by this id.
                "properties": [{"key": self.config.hub_property, "value": {"id": hub_id}}],
            })).json()
        except ToolRefusal as exc:  # created without the fields Jira named, by the engine
            named = _named(exc, values)
            if not named:
                raise
            raise FieldsRefused({**refused, **named}, status=exc.status) from None
        if values.get(STATUS_PATH):
            status = await self._untouched_status(created["key"])
            if status is not None:
                await self._move(created["key"], values, refused, from_status=status)
            # else someone moved it first: their status is newer than ours, read back as theirs
        record = await self._read(created["key"])
        if refused:
            raise FieldsRefused(refused, record=record, status=400)
        return record

    async def _untouched_status(self, key: str) -> str | None:
        """The status of the issue the hub just created; None if a person changed it already
        (it is `updated` after it was `created`)."""
        fields = (await self.client.get_json(f"{API}/issue/{key}",
                                             {"fields": "created,updated,status"}))["fields"]
        if fields.get("updated") != fields.get("created"):
            return None
        return str(fields["status"]["name"])

    async def _move(self, key: str, patch: Mapping[str, Any], refused: dict[str, str],
                    from_status: str | None = None) -> None:
        """Walk the issue to the patch's status (stopping where a person moved it away from
        `from_status` meanwhile); a workflow with no way there refuses the status only (noted
        in `refused`)."""
        if not patch.get(STATUS_PATH):
            return
        try:
            await move_to_status(self.client, key, str(patch[STATUS_PATH]),
                                 max_hops=self.config.max_hops,
                                 fill=self.config.transition_fields,
                                 statuses=self._statuses, from_status=from_status)
        except Permanent as exc:
            if exc.status != 400:
                raise
            refused[STATUS_PATH] = exc.reason

    async def _statuses(self, project: str) -> set[str] | None:
        """The statuses of a project's workflows (None when Jira won't say), read again after
        `_UNKNOWN_FOR`: workflows change."""
        known = self._project_statuses.get(project)
        if known is None or time.monotonic() - known[1] > _UNKNOWN_FOR:
            try:
                types = await self.client.get_json(f"{API}/project/{project}/statuses")
            except Permanent:
                return None
            names = {str(s["name"]) for t in types or [] for s in t.get("statuses") or []}
            known = (names or None, time.monotonic())
            self._project_statuses[project] = known
        return known[0]

    async def _fields(self, patch: Mapping[str, Any], refused: dict[str, str],
                      creating: bool = False) -> dict[str, Any]:
        """Remote paths from the mapping -> Jira's `fields` body (status goes elsewhere); an
        assignee with no Jira account is left out and noted in `refused`."""
        fields: dict[str, Any] = {}
        for path, value in patch.items():
            if path == STATUS_PATH or not path.startswith("fields."):
                continue
            if path.startswith("fields.project.") and not creating:
                continue  # an issue's project is not a field Jira lets you edit
            if path == ASSIGNEE_PATH:
                email = value[0] if isinstance(value, list) and value else value or None
                account = await self._account(email) if email else None
                if email and account is None:
                    refused[path] = f"jira: no Jira user has the e-mail {email}"
                else:
                    fields["assignee"] = {"accountId": account} if account else None
                continue
            _nest(fields, path.removeprefix("fields.").split("."), value)
        return fields

    async def _new_issue_project(self, key: str | None) -> str | None:
        """Where an issue the hub creates goes: the task's project if Jira has a project of
        that key (a won deal's delivery project), else `create_project`."""
        if key and key not in self._projects:
            try:
                await self.client.get_json(f"{API}/project/{key}")
                self._projects[key] = True
            except Permanent as exc:
                if exc.status != 404:
                    raise
                self._projects[key] = False  # a project of another tool (an Asana project)
        return key if key and self._projects[key] else self.config.create_project

    async def _account(self, email: str) -> str | None:
        """The account id of the Jira user with this e-mail; None while there is none (asked
        again after `_UNKNOWN_FOR`: people get accounts)."""
        known = self._accounts.get(email)
        if known is None or (known[0] is None and time.monotonic() - known[1] > _UNKNOWN_FOR):
            users = await self.client.get_json(f"{API}/user/search", {"query": email})
            match = [u for u in users if str(u.get("emailAddress", "")).casefold()
                     == email.casefold()]
            known = (str(match[0]["accountId"]) if match else None, time.monotonic())
            self._accounts[email] = known
        return known[0]

    async def _read(self, key: str) -> RemoteRecord:
        params = {"fields": ",".join(FIELDS), "properties": self.config.hub_property}
        if self.config.changelog:
            params["expand"] = "changelog"
        return self._record(await self.client.get_json(f"{API}/issue/{key}", params))

    def _record(self, issue: Mapping[str, Any], deleted: bool = False) -> RemoteRecord:
        return to_record(issue, self.config.base_url, self.config.hub_property, deleted)

    async def _user_zone(self) -> tzinfo:
        if self._zone is None:
            me = await self.client.get_json(f"{API}/myself")
            try:
                self._zone = ZoneInfo(me.get("timeZone") or "UTC")
            except (ZoneInfoNotFoundError, ValueError):
                self._zone = UTC
        return self._zone

    async def aclose(self) -> None:
        await self.client.aclose()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _named(exc: ToolRefusal, patch: Mapping[str, Any]) -> dict[str, str]:
    """The paths of `patch` whose Jira fields the refusal names (`errors: {"duedate": ...}`)."""
    out: dict[str, str] = {}
    for name, why in exc.fields.items():
        for path in patch:
            if path == f"fields.{name}" or path.startswith(f"fields.{name}."):
                out[path] = f"jira: {name}: {why}"
    return out


def _nest(target: dict[str, Any], keys: list[str], value: Any) -> None:
    if value is None and len(keys) > 1:
        target[keys[0]] = None  # clearing `priority.name` clears the priority
        return
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value

