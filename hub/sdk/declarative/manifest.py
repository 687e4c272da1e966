"""The manifest of a declared connector: one schema (pydantic, unknown keys refused) for what a
YAML file may say about a tool's API: auth, pagination, incremental reads, records, webhooks,
writes and rate limits. `hub connector schema` prints its JSON Schema for editors; problems
are reported with file:line like the config's.

Strings may hold `{...}` references filled in at run time: `{config.board}` (the connector's
settings), `{id}` (a record's id), `{hub_id}`, `{target}` (a webhook URL), `{cursor}`,
`{since}` (an incremental read's start), `{page}`/`{offset}`/`{size}` (paging).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- the connector's settings -------------------------------------------------------------------
class Setting(_Strict):
    """One setting of the connector's config (beyond every connector's: poll, webhook, ...)."""

    type: Literal["string", "secret", "integer", "number", "boolean", "list", "map"] = "string"
    description: str = ""
    default: Any = Field(default=None, description="leave out to make the setting required")
    required: bool | None = Field(default=None, description="default: required when there is "
                                                            "no default")


# -- talking to the API ------------------------------------------------------------------------
class ApiKeyAuth(_Strict):
    """Keys in headers or query parameters (`{name: value}`, e.g. Trello's key and token)."""

    type: Literal["api_key"]
    header: dict[str, str] = Field(default_factory=dict, description="header name -> value")
    query: dict[str, str] = Field(default_factory=dict, description="parameter -> value")


class BasicAuth(_Strict):
    """HTTP Basic auth."""

    type: Literal["basic"]
    username: str
    password: str = ""


class BearerAuth(_Strict):
    """A token in `Authorization`, after `scheme` (monday.com takes it with no scheme: "")."""

    type: Literal["bearer"]
    token: str
    scheme: str = "Bearer"


class OAuth2Auth(_Strict):
    """OAuth 2 client credentials, or a refresh token traded for access tokens. A rotated
    refresh token is persisted to `token_file` (owner-only) and used from then on."""

    type: Literal["oauth2"]
    grant: Literal["client_credentials", "refresh_token"]
    token_url: str
    client_id: str
    client_secret: str
    refresh_token: str | None = None
    scopes: list[str] = Field(default_factory=list)
    token_file: str | None = Field(default=None, description="where a rotated refresh token is "
                                                             "kept (default: none kept)")


class TenantTokenAuth(_Strict):
    """An app secret traded for a tenant token (Feishu/Lark `tenant_access_token`)."""

    type: Literal["tenant_token"]
    url: str
    body: dict[str, str] = Field(description="e.g. {app_id: ..., app_secret: ...}")
    token: str = Field(default="tenant_access_token", description="path of the token")
    expires_in: str = Field(default="expire", description="path of its lifetime in seconds")
    scheme: str = "Bearer"


Auth = Annotated[ApiKeyAuth | BasicAuth | BearerAuth | OAuth2Auth | TenantTokenAuth,
                 Field(discriminator="type")]


class RateLimit(_Strict):
    """A call budget kept by the client, and how the tool says when to come back."""

    per_minute: int | None = Field(default=None, description="calls a minute at most")
    retry_after_headers: list[str] = Field(
        default_factory=lambda: ["Retry-After"],
        description="headers holding seconds (or a date) to wait after a 429")
    reset_headers: list[str] = Field(default_factory=list,
                                     description="headers holding the epoch second of a reset")
    retry_after_in_error: str | None = Field(
        default=None, description="a regex over an error message whose group 1 is the seconds "
                                  "to wait (GraphQL budgets: 'reset in (\\d+) seconds')")


class Api(_Strict):
    """Where the API is and how to sign in."""

    type: Literal["rest", "graphql"] = "rest"
    base_url: str
    endpoint: str = Field(default="", description="GraphQL: the path queries are posted to")
    headers: dict[str, str] = Field(default_factory=dict)
    auth: Auth
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    error_message: str | None = Field(default=None, description="path of the tool's own words "
                                                                "in an error body")


class NoPaging(_Strict):
    """One answer holds everything."""

    type: Literal["none"] = "none"


class PagePaging(_Strict):
    """Numbered pages."""

    type: Literal["page"]
    param: str = "page"
    size_param: str = "limit"
    size: int = 100
    start: int = 1


class OffsetPaging(_Strict):
    """An offset into the listing."""

    type: Literal["offset"]
    param: str = "offset"
    size_param: str = "limit"
    size: int = 100


class CursorPaging(_Strict):
    """A cursor in the answer's body, sent back as a parameter (Asana's `next_page.offset`)."""

    type: Literal["cursor"]
    cursor: str = Field(description="path of the next cursor in the answer")
    param: str = "cursor"
    size_param: str | None = "limit"
    size: int = 100


class NextUrlPaging(_Strict):
    """The next page's URL in the answer's body."""

    type: Literal["next_url"]
    next: str = Field(description="path of the next page's URL")


class LinkHeaderPaging(_Strict):
    """The next page's URL in a `Link: <...>; rel="next"` header."""

    type: Literal["link_header"]


class BeforePaging(_Strict):
    """Newest first, the next page before the last item's id (Trello's actions)."""

    type: Literal["before"]
    param: str = "before"
    id: str = "id"
    size_param: str = "limit"
    size: int = 100


class GraphqlPaging(_Strict):
    """A GraphQL cursor: the first query answers items and a cursor, a follow-up query takes
    the cursor (monday.com's `items_page` then `next_items_page`)."""

    type: Literal["graphql"]
    cursor: str = Field(description="path of the cursor in the first answer")
    next_query: str | None = Field(default=None, description="the follow-up query "
                                                             "(default: the first again)")
    next_records: str | None = Field(default=None, description="records in a follow-up answer")
    next_cursor: str | None = Field(default=None, description="cursor in a follow-up answer")
    variable: str = "cursor"


Paging = Annotated[NoPaging | PagePaging | OffsetPaging | CursorPaging | NextUrlPaging
                   | LinkHeaderPaging | BeforePaging | GraphqlPaging, Field(discriminator="type")]


class Call(_Strict):
    """One request: REST (method, path, params, JSON body) or GraphQL (query, variables)."""

    method: str = "GET"
    path: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    query: str | None = Field(default=None, description="GraphQL document")
    variables: dict[str, Any] = Field(default_factory=dict)
    records: str = Field(default="", description="path of the records in the answer ('': it "
                                                 "is the record or the list)")
    paging: Paging = Field(default_factory=NoPaging)


# -- reading ------------------------------------------------------------------------------------
class UpdatedSince(_Strict):
    """Incremental reads by an updated-since parameter (GraphQL: a variable)."""

    param: str
    format: Literal["iso", "date", "epoch_s", "epoch_ms"] = "iso"
    lookback: str = Field(default="1m", description="re-read this far behind (coarse clocks)")
    template: Any = Field(default=None, description="the value sent, with {since} in it (a "
                                                    "GraphQL filter); default: the time alone")


class HubIdSpec(_Strict):
    """Where the hub's id is kept in the remote object, so a retried create finds it."""

    field: str = Field(description="the remote field holding it (a text field, a description)")
    marker: str = Field(default="{hub_id}", description="how it is written there; with text "
                                                        "around it, it is appended to the field "
                                                        "and hidden from the mapping")
    find: Call | None = Field(default=None, description="a request finding the object by hub id "
                                                        "({hub_id}); default: scan the listing")


class Write(_Strict):
    """How a create or update is sent: the patch (remote paths -> values) goes into the JSON
    body, the query parameters, or a GraphQL variable."""

    method: str = "PUT"
    path: str = ""
    send: Literal["json", "query", "variable"] = "json"
    variable: str = Field(default="values", description="GraphQL: the variable the patch goes to")
    query: str | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="fixed parameters")
    variables: dict[str, Any] = Field(default_factory=dict)
    join_lists: bool = Field(default=False, description="send lists as comma-separated text "
                                                        "(query parameters)")
    record: str = Field(default="", description="path of the written record in the answer")


class RecordType(_Strict):
    """One remote type: how it is listed, fetched, identified, written."""

    entity: str = Field(description="the canonical entity it becomes (task, person, ...)")
    list: Call | None = None
    fetch: Call | None = Field(default=None, description="read one by {id}; 404 is a deletion")
    id: str = "id"
    updated: str | None = Field(default=None, description="path of its last change time")
    url: str | None = Field(default=None, description="path of its URL, or a template")
    deleted: str | None = Field(default=None, description="path of a flag that makes it a "
                                                          "tombstone (archived, closed)")
    incremental: UpdatedSince | None = None
    create: Write | None = None
    update: Write | None = None
    hub_id: HubIdSpec | None = None
    poll: bool = Field(default=True, description="read in polls (false: only as lookups, or "
                                                 "fetched after events)")


class Feed(_Strict):
    """An events or actions feed with its own cursor: polls read what happened since, then
    fetch the records it names."""

    call: Call
    id: str = "id"
    type: str = "type"
    record_types: dict[str, str] = Field(description="event type -> remote type it concerns")
    record_id: str = Field(description="path of the record's id in an event")
    deletions: list[str] = Field(default_factory=list, description="event types that delete")
    since_param: str = "since"
    newest_first: bool = True


class Lookup(_Strict):
    """A lookup table read from the tool: ids and what they stand for."""

    call: Call
    id: str = "id"
    value: str = "name"
    people: str | None = Field(default=None, description="the remote type of the tool's people, "
                                                         "when the values are their e-mails")


# -- webhooks -----------------------------------------------------------------------------------
class HmacScheme(_Strict):
    """An HMAC over parts of the delivery."""

    type: Literal["hmac"]
    header: str
    algorithm: Literal["sha1", "sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    parts: list[Literal["body", "url", "timestamp"]] = Field(default=["body"])
    separator: str = ""
    prefix: str = ""
    timestamp_header: str | None = None


class JwtScheme(_Strict):
    """A JWT signed with the shared secret."""

    type: Literal["jwt"]
    header: str = "Authorization"
    algorithm: str = "HS256"


class Webhooks(_Strict):
    """How deliveries are verified, read and registered."""

    signature: Annotated[HmacScheme | JwtScheme, Field(discriminator="type")]
    secret: str = Field(default="{config.webhook.secret}", description="the key signing them")
    handshake: Literal["none", "head", "challenge", "x_hook_secret"] = "none"
    delivery_id: str | None = Field(default=None, description="path of a stable id (default: "
                                                              "the body's hash)")
    events: str = Field(default="", description="path of the event (or list of events)")
    type: str = "type"
    record_types: dict[str, str] = Field(description="event type -> remote type")
    record_id: str
    deletions: list[str] = Field(default_factory=list)
    subscribe: Call | None = Field(default=None, description="creates a webhook to {target}")
    subscribe_for: list[str] = Field(default=[""], description="one subscription per value, "
                                                                "named {event} in the call "
                                                                "(tools with a webhook per "
                                                                "event type)")
    subscriptions: Call | None = Field(default=None,
                                       description="lists webhooks, to subscribe only once")
    subscription_key: str = Field(default="url", description="path in a listed webhook that "
                                                             "tells it is the hub's")
    subscription_value: str = Field(default="{target}",
                                    description="what that path holds for the hub's webhook")


class Check(_Strict):
    """The read-only call `hub check` makes, and what it says on success."""

    call: Call
    detail: str = Field(default="reachable", description="a template over the answer's record")


class Manifest(_Strict):
    """A declared connector kind."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str | None = None
    description: str = ""
    settings: dict[str, Setting] = Field(default_factory=dict)
    mapping: str | None = Field(default=None, description="the mapping file it ships, relative "
                                                          "to the manifest")
    hooks: str | None = Field(default=None, description="a module of hook functions")
    api: Api
    check: Check
    records: dict[str, RecordType]
    feed: Feed | None = None
    lookups: dict[str, Lookup] = Field(default_factory=dict)
    webhooks: Webhooks | None = None
