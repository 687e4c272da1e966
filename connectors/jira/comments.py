"""Jira issue comments as the hub's comment verbs: ADF bodies in and out (mentions and links
kept), restricted comments (visibility by role or group) marked so they never leave Jira."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.jira.client import API
from connectors.jira.comment_text import adf_comment_text, comment_adf
from connectors.jira.issues import jql_time, parse_time
from hub.sdk.comments import CommentVerbs, CommentWrite, Mention, RemoteComment
from hub.sdk.connector import LinkRef
from hub.sdk.http import ToolRefusal

if TYPE_CHECKING:
    from connectors.jira.client import JiraClient
    from connectors.jira.config import JiraConfig


class JiraComments(CommentVerbs):
    """Mixed into `JiraConnector`."""

    comment_parent_type: ClassVar[str] = "issue"
    tool_label: ClassVar[str] = "Jira"
    client: JiraClient
    config: JiraConfig
    _me: str | None = None
    _people: dict[str, str | None]

    if TYPE_CHECKING:
        async def _account(self, email: str) -> str | None:  # JiraConnector's
            ...

        async def _user_zone(self) -> tzinfo:  # JiraConnector's
            ...

    async def comment_threads(self, since: str | None) -> tuple[list[str] | None, str | None]:
        """A comment bumps its issue's `updated`: the issues updated since the last read (JQL
        is minute-granular, and clocks differ: a margin is read again)."""
        now = datetime.now(UTC)
        if since is None:
            return None, now.isoformat()
        start = datetime.fromisoformat(since) - self.config.poll.overlap - timedelta(minutes=2)
        clauses = [f"({self.config.jql})"] if self.config.jql else []
        clauses.append(f'updated >= "{jql_time(start, await self._user_zone())}"')
        ids: list[str] = []
        async for issues in self.client.search(" AND ".join(clauses), fields=["updated"],
                                               page_size=self.config.page_size):
            ids += [str(issue["id"]) for issue in issues]
        return ids, now.isoformat()

    async def list_comments(self, task: LinkRef) -> list[RemoteComment]:
        out: list[RemoteComment] = []
        start = 0
        while True:
            page = await self.client.get_json(f"{API}/issue/{task.remote_id}/comment",
                                              {"startAt": start, "maxResults": 100,
                                               "orderBy": "created"})
            comments = page.get("comments") or []
            for item in comments:
                out.append(await self._comment(task, item))
            start += len(comments)
            if not comments or start >= int(page.get("total") or 0):
                return out

    async def create_comment(self, task: LinkRef, write: CommentWrite) -> RemoteComment:
        body = {"body": comment_adf(write.body, await self._mention_ids(write))}
        made = await self.client.request("POST", f"{API}/issue/{task.remote_id}/comment",
                                         json=body)
        return await self._comment(task, made.json())

    async def update_comment(self, task: LinkRef, remote_id: str,
                             write: CommentWrite) -> RemoteComment:
        body = {"body": comment_adf(write.body, await self._mention_ids(write))}
        done = await self.client.request(
            "PUT", f"{API}/issue/{task.remote_id}/comment/{remote_id}", json=body)
        return await self._comment(task, done.json())

    async def delete_comment(self, task: LinkRef, remote_id: str) -> None:
        try:
            await self.client.request("DELETE",
                                      f"{API}/issue/{task.remote_id}/comment/{remote_id}")
        except ToolRefusal as exc:
            if exc.status != 404:  # gone already: what was asked for
                raise

    async def _comment(self, task: LinkRef, item: Mapping[str, Any]) -> RemoteComment:
        text, mentioned = adf_comment_text(item.get("body"))
        author = item.get("author") or {}
        updated, created = parse_time(item.get("updated")), parse_time(item.get("created"))
        mentions = tuple([Mention(name, await self._email_of(account), account)
                          for name, account in mentioned])
        base = self.config.base_url.rstrip("/")
        return RemoteComment(
            remote_id=str(item["id"]), body=text,
            author_email=author.get("emailAddress"), author_name=author.get("displayName"),
            written_at=created, edited_at=updated if updated != created else None,
            by_hub=bool(author.get("accountId")) and author.get("accountId") == await self._self(),
            restricted=bool(item.get("visibility")), mentions=mentions,
            url=f"{base}/browse/{task.remote_id}?focusedCommentId={item['id']}")

    async def _self(self) -> str | None:
        if self._me is None:
            me = await self.client.get_json(f"{API}/myself")
            self._me = str(me.get("accountId") or "")
        return self._me

    async def _email_of(self, account: str) -> str | None:
        people = self.__dict__.setdefault("_people", {})
        if account and account not in people:
            try:
                user = await self.client.get_json(f"{API}/user", {"accountId": account})
                people[account] = user.get("emailAddress")
            except ToolRefusal:
                people[account] = None
        found = people.get(account)
        return str(found) if found else None

    async def _mention_ids(self, write: CommentWrite) -> list[tuple[str, str]]:
        out = []
        for mention in write.mentions:
            account = mention.remote_id if mention.remote_id else (
                await self._account(mention.email) if mention.email else None)
            if account:
                out.append((mention.name, account))
        return out
