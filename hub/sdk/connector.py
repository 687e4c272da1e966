"""The verbs a connector implements (DESIGN §6) and the values it exchanges with the engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from hub.errors import HubError, Permanent
from hub.mapping.lookups import Lookups
from hub.sdk.config import ConnectorConfig

if TYPE_CHECKING:
    from hub.mapping import Mapping as FieldMapping

ConfigT = TypeVar("ConfigT", bound=ConnectorConfig, covariant=True)


@dataclass(frozen=True)
class RemoteRecord:
    """One object as the tool holds it, in the tool's own shape (`payload`).

    `updated_at`/`version` let the engine drop stale and duplicate deliveries; `hub_id` is the
    hub's id if the tool stores it (Asana `external.gid`, a Jira issue property).
    `field_times` (remote path -> when that field last changed, e.g. from Jira's changelog)
    makes `latest` exact per field; without it the record's `updated_at` stands for every field.
    """

    remote_type: str
    remote_id: str
    payload: Mapping[str, Any]
    updated_at: datetime | None = None
    version: str | None = None
    url: str | None = None
    hub_id: str | None = None
    deleted: bool = False
    field_times: Mapping[str, datetime] = field(default_factory=dict)

    def exact_time(self, path: str | None) -> datetime | None:
        """When the field at remote `path` (or a parent of it) last changed, if the tool says."""
        if not self.field_times:
            return None
        while path:
            if path in self.field_times:
                return self.field_times[path]
            path = path.rpartition(".")[0] if "." in path else ""
        return None

    def changed_at(self, path: str | None) -> datetime | None:
        """When the field at remote `path` last changed: its own time if the tool gives one,
        else the record's."""
        return self.exact_time(path) or self.updated_at


@dataclass(frozen=True)
class Rejected:
    """Something the connector read but could not make a record of (a spreadsheet row with a
    cell that doesn't parse). The engine quarantines it, with its location and reason, in the
    transaction of its page; the page's other records still import."""

    remote_type: str
    remote_id: str | None
    reason: str
    location: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PollProgress:
    """How far a poll has got, where the tool says how much there is: `done` of `total`
    `unit`s (issues of a search's count, projects in scope, rows of a file). `hub sync` shows
    it as a bar with an ETA; a poll with no progress shows a count."""

    done: int
    total: int
    unit: str = "records"


@dataclass(frozen=True)
class PollPage:
    """A batch of records and the cursor to store once the batch is committed.

    `part` names the independent part of the scope the page belongs to (a finance connector's
    source), for connectors whose parts are applied, and fail, each on its own: the engine
    never batches pages of two parts together, and `hub sync` reports each part. A part's last
    page carries its cursor; a part that fails is named in `PartlyApplied`.

    `cursor=None` means "keep the cursor stored so far": a page that moves nothing forward
    (records read again within an overlap, a page of a listing whose end is not reached yet)
    leaves the last committed position as it was. There is no way to reset a cursor from a
    page; a full read starts from `poll(None)`.
    """

    records: list[RemoteRecord]
    cursor: str | None
    stream: str = "default"
    rejected: list[Rejected] = field(default_factory=list)
    part: str | None = None
    progress: PollProgress | None = None


@dataclass(frozen=True)
class ReportColumn:
    """A column of a report: its key in the rows, its heading, and how to show its values."""

    key: str
    title: str
    kind: Literal["text", "int", "number", "money", "date", "datetime", "list"] = "text"


@dataclass(frozen=True)
class Report:
    """A table the hub builds from its reconciled data for a connector to publish in its tool
    (a portfolio workbook): the hub gathers the rows, the connector only lays them out."""

    name: str
    title: str
    columns: tuple[ReportColumn, ...]
    rows: list[dict[str, Any]]
    generated_at: datetime


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified webhook: its delivery id (stable across retries) and the records it names.

    A delivery may carry full records, or only ids (`records` with empty payloads and
    `needs_fetch=True`) that the engine reads back through the connector.
    """

    delivery_id: str
    records: list[RemoteRecord] = field(default_factory=list)
    needs_fetch: bool = False
    #: remote ids of tasks whose comments the delivery says changed: their threads are read
    comment_threads: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LinkRef:
    """What a connector needs to know about a link to write to its remote object: the last
    values the tool is known to hold (`shadow`), and the hub's id of the record, for tools that
    keep it inside the object (a card's description, a hidden field), so a push needs no read
    first."""

    remote_type: str
    remote_id: str
    shadow: Mapping[str, Any]
    url: str | None = None
    hub_id: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `check`: who we are in the tool and anything worth a note."""

    ok: bool
    detail: str


@dataclass(frozen=True)
class Handshake:
    """A tool's webhook handshake (Asana's `X-Hook-Secret`): answer with `headers`; `secret`
    signs the deliveries of that webhook from then on."""

    headers: dict[str, str]
    secret: str


class WebhookRejected(HubError):
    """A webhook that failed verification (bad or missing signature, replay); answered 401."""


class WebhookMalformed(HubError):
    """A verified delivery that is not what the tool sends: not JSON, or without what the tool
    always sends (`hub.sdk.webhooks.read_body` says which). Answered 400 with `reason`; nothing
    is stored. `parse_webhook` raises it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebhookTarget:
    """Where the tool is to send a connector's webhooks (`register_webhooks`).

    `url` is the stable address: a webhook the tool lists with it (`registered`) exists
    already. The tool's handshake is accepted only at a URL from `one_time()`: each carries a
    fresh, unguessable token that the hub takes for one handshake, so nobody else can agree a
    secret with the hub. Ask for one per webhook created.
    """

    url: str
    one_time: Callable[[], Awaitable[str]]

    def registered(self, target: str | None) -> bool:
        """Whether `target` (a webhook's address as the tool lists it) is this hub's, whatever
        one-time token it carried."""
        return bool(target) and str(target).split("?", 1)[0] == self.url


class FieldsRefused(Permanent):
    """The tool refused some fields of a write and would take the others: a status that no
    workflow path reaches, a person without an account there, an option the tool lacks.

    `fields` maps each refused remote path (a key of the patch) to the tool's reason. Raise it
    before writing anything and the engine writes the rest again without those fields; or
    after writing the rest, with `record` (the object as now stored), which the engine takes as
    the write's answer. A create goes the same way (the engine looks the object up by its hub
    id before creating again, so one made before the refusal is not made twice).

    The engine records each refusal (connector health shows it) and writes the field again
    when its value changes, when what it names appears (a person, a project), and otherwise
    after a long wait: the refusal may have been caused by data missing in the tool.
    """

    def __init__(self, fields: Mapping[str, str], *, record: RemoteRecord | None = None,
                 status: int | None = None) -> None:
        super().__init__("; ".join(f"{path}: {why}" for path, why in fields.items()),
                         status=status)
        self.fields = dict(fields)
        self.record = record


class Connector(ABC, Generic[ConfigT]):
    """Base of every connector. Subclasses declare `kind` and `config_model` and fill in the verbs.

    Connectors talk to their tool only; they never import the store or the API. Failures are
    `Retriable` (try again later) or `Permanent` (the tool refused; carry its reason).
    """

    kind: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]
    #: remote type -> canonical entity, e.g. {"issue": "task"}
    remote_types: ClassVar[Mapping[str, str]] = {}
    #: the mapping this kind ships (a plugin's own file); None: `mappings/<kind>.yaml` of the
    #: hub, if there is one. A connector's `mapping:` setting replaces it.
    default_mapping: ClassVar[Path | None] = None

    def __init__(self, connector_id: str, config: ConfigT) -> None:
        self.connector_id = connector_id
        self.config = config
        #: secrets agreed in webhook handshakes (kept by the hub, handed back on start)
        self.webhook_secrets: set[str] = set()
        #: remote ids <-> what they stand for (list id -> list name, member id -> e-mail),
        #: which the mapping uses both ways (`lookup: <name>`); the connector fills them
        self.lookups = Lookups()
        self.lookups_loaded = False

    def use_mapping(self, mapping: FieldMapping) -> None:
        """Told the mapping this connector's records go through, once, before any poll: a tool
        that reads only the fields asked for (HR) reads what the mapping maps. Optional."""

    @abstractmethod
    async def check(self) -> CheckResult:
        """Verify credentials and reachability without changing anything."""

    @abstractmethod
    def poll(self, cursor: str | None) -> AsyncIterator[PollPage]:
        """Yield pages of records changed since `cursor` (None: everything in scope)."""

    def handshake(self, headers: Mapping[str, str]) -> Handshake | None:
        """A webhook handshake request's answer, or None for an ordinary delivery."""
        return None

    def challenge(self, body: bytes) -> bytes | None:
        """The answer to a tool's challenge delivery (monday.com posts `{"challenge": ...}`
        and wants it echoed), or None for an ordinary delivery. Default: no challenge."""
        return None

    async def refresh_lookups(self) -> None:
        """Reload `lookups` from the tool (a list renamed, a label added). Connectors call it
        as they read; the engine through `ensure_lookups`. Default: nothing to reload."""

    async def ensure_lookups(self) -> None:
        """Load the lookup tables once, before their first use (a push before any poll)."""
        if not self.lookups_loaded:
            await self.refresh_lookups()
            self.lookups_loaded = True

    async def register_webhooks(self, target: WebhookTarget) -> int:
        """Make the tool send its webhooks for the scope to `target`, idempotently (a webhook
        at `target.url` exists already); each one created gets its own `target.one_time()`
        URL, where the hub accepts that webhook's handshake. Returns how many were created.
        Optional: the default can't."""
        raise NotImplementedError(f"{self.kind} registers no webhooks")

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, *, url: str = "") -> None:
        """Raise `WebhookRejected` unless the delivery is authentic. `url` is the public URL the
        tool sent it to (what Trello signs along with the body). Default: no webhooks."""
        raise WebhookRejected(f"connector kind {self.kind!r} does not take webhooks")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """Turn a verified delivery into records; `WebhookMalformed` when the body is not what
        the tool sends (read it with `hub.sdk.webhooks.read_body`). Called once when the
        delivery arrives (a malformed one is answered 400 and not stored) and again when it is
        processed. A record with `deleted=True` is the tool's word only: the engine reads the
        object back (`fetch`) before it tombstones anything. Default: no webhooks."""
        raise WebhookRejected(f"connector kind {self.kind!r} does not take webhooks")

    async def fetch(self, remote_type: str, remote_ids: list[str]) -> list[RemoteRecord]:
        """Read the current state of some remote objects: after id-only webhooks, before a
        push, and to confirm a webhook's delete. An object the tool no longer has is left out
        or returned with `deleted=True` (also for the tool's own deleted or archived state)."""
        raise NotImplementedError(f"{self.kind} cannot fetch single records")

    @abstractmethod
    async def push(self, link: LinkRef, patch: Mapping[str, Any]) -> RemoteRecord:
        """Write `patch` (remote field paths -> values) and return the object as now stored.
        A refusal of some fields only is `FieldsRefused`; of the whole write, `Permanent`."""

    async def create(self, remote_type: str, hub_id: str,
                     values: Mapping[str, Any]) -> RemoteRecord:
        """Create a remote object carrying `hub_id`, so a retry can find it (`find_by_hub_id`).
        A value the tool can't take (a person unknown there) is `FieldsRefused`: the engine
        creates the object without it."""
        raise NotImplementedError(f"{self.kind} cannot create {remote_type} objects")

    async def list_ids(self, remote_type: str) -> set[str]:
        """Ids of every object of `remote_type` in scope now, to find ones deleted in the tool
        without a webhook saying so. Optional: the default can't list."""
        raise NotImplementedError(f"{self.kind} cannot list {remote_type} ids")

    async def find_by_hub_id(self, remote_type: str, hub_id: str) -> RemoteRecord | None:
        """The remote object that carries `hub_id`, if one was created already."""
        return None

    def reports(self) -> list[str]:
        """Names of the hub reports (`hub.sync.reports`) this connector publishes in its tool;
        the hub rebuilds each after changes and hands it to `publish`. Default: none."""
        return []

    async def publish(self, report: Report) -> None:
        """Write `report` into the tool (replacing the last one). Raise `Retriable` to be
        asked again later. Optional: connectors without reports can't."""
        raise NotImplementedError(f"{self.kind} publishes no reports")

    async def aclose(self) -> None:
        """Release connections. Called once when the hub stops."""
