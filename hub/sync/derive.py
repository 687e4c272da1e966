"""Derived fields: values the hub computes from other records, kept current in the transaction
that changed those records.

After the inbound pipeline applies a batch (poll, webhook, push answer, delete scan), after an
API edit and after a conflict is resolved, the engine hands the records that changed to the
derivation rules. A rule maps changed records to field updates on other records (a project's
`budget_status` from its budget lines); the engine applies them like a hub edit: the version
goes up, provenance says `derive:<rule>`, an audit entry is written and push intents are queued,
so the tools that map the field (a Jira label, an Asana custom field) receive it. Changes a rule
makes are themselves handed to the rules, for a few rounds at most.

Writing a rule
--------------
A rule is a `Rule` registered with `register`, in a module of the package `hub.sync.rules`
(every module there is imported on first use; nothing else needs editing)::

    # hub/sync/rules/assignee_inactive.py
    from hub.model.enums import Entity
    from hub.sync.derive import DeriveContext, Rule, register

    def _derive(ctx: DeriveContext) -> dict[str, dict[str, object]]:
        people = ctx.changes.ids(Entity.person, {"employment_status"})
        tasks = ctx.changes.ids(Entity.task, {"assignees"})
        ...  # query the tasks of those people (ctx.session), decide each task's risks
        return {task_id: {"risks": sorted(risks)} for task_id, risks in decided.items()}

    register(Rule(name="assignee_inactive", target=Entity.task, sets=("risks",),
                  watches={Entity.person: {"employment_status"}, Entity.task: {"assignees"}},
                  derive=_derive))

- `watches`: entity -> the engine field names whose change triggers the rule (None: any
  change). Records created or deleted always count as changed.
- `derive(ctx)` returns `{record id of the target entity: {field: new value}}` with the full
  new value of each field it sets (a whole list for `risks`), as the engine's JSON values
  (dates as ISO strings, enums as their value). Fields must be among `sets`. Returning the
  value a record already has changes nothing, so a rule may return every record it looked at.
- `ctx.changes` (`ChangeSet`): `ids(entity, fields)` the changed records, `old(entity, id,
  field)` a changed field's value before the change (to find the project a budget line moved
  away from), `was_created(entity, id)`, `was_deleted(entity, id)`. `ctx.session` is the
  transaction's session, `ctx.store` a `RecordStore` on it, `ctx.now` the change time.
- Derivations run in the caller's transaction: read with a few batched queries (the ids may
  be thousands after an import) and don't commit.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.store.canonical import RecordMixin
from hub.store.sync import AuditEntry
from hub.sync.intents import IntentWriter, same
from hub.sync.records import RecordStore
from hub.sync.runtime import Runtime

log = logging.getLogger(__name__)

#: rounds of rules reacting to rules' changes before the engine stops (a cycle)
MAX_ROUNDS = 5
_CREATED, _DELETED = "@created", "@deleted"
_MISSING: Any = object()


@dataclass
class ChangeSet:
    """Records changed in one transaction: which fields, and their values before."""

    fields: dict[Entity, dict[str, set[str]]] = field(default_factory=dict)
    before: dict[Entity, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def changed(self, entity: Entity, record_id: str, names: Iterable[str],
                before: Mapping[str, Any] | None = None) -> None:
        """Note that fields `names` of a record changed (`before`: their old values)."""
        self.fields.setdefault(entity, {}).setdefault(record_id, set()).update(names)
        if before:
            olds = self.before.setdefault(entity, {}).setdefault(record_id, {})
            for name, value in before.items():
                olds.setdefault(name, value)  # the first old value is the one before it all

    def created(self, entity: Entity, record_id: str) -> None:
        """Note a new record."""
        self.changed(entity, record_id, [_CREATED])

    def deleted(self, entity: Entity, record_id: str) -> None:
        """Note a deleted record (its row stays, as a tombstone)."""
        self.changed(entity, record_id, [_DELETED])

    def ids(self, entity: Entity, fields: Collection[str] | None = None) -> set[str]:
        """Records of `entity` changed in any of `fields` (None: at all); created and deleted
        records always count."""
        found = self.fields.get(entity, {})
        if fields is None:
            return set(found)
        wanted = set(fields) | {_CREATED, _DELETED}
        return {rid for rid, names in found.items() if names & wanted}

    def old(self, entity: Entity, record_id: str, name: str, default: Any = None) -> Any:
        """A changed field's value before this transaction (`default` if it didn't change)."""
        return self.before.get(entity, {}).get(record_id, {}).get(name, default)

    def was_created(self, entity: Entity, record_id: str) -> bool:
        """Whether the record was created in this transaction."""
        return _CREATED in self.fields.get(entity, {}).get(record_id, set())

    def was_deleted(self, entity: Entity, record_id: str) -> bool:
        """Whether the record was deleted in this transaction."""
        return _DELETED in self.fields.get(entity, {}).get(record_id, set())

    def merge(self, other: ChangeSet) -> None:
        """Add another change set's changes to this one."""
        for entity, records in other.fields.items():
            for record_id, names in records.items():
                self.changed(entity, record_id, names,
                             other.before.get(entity, {}).get(record_id))

    def __bool__(self) -> bool:
        return any(self.fields.values())


@dataclass
class DeriveContext:
    """What a rule's `derive` gets: the transaction, the changes, and the time."""

    session: Session
    store: RecordStore
    changes: ChangeSet
    now: datetime
    rule: Rule
    #: the running hub (its config and connectors), None when no tools are told
    rt: Runtime | None = None


Derivation = Callable[[DeriveContext], Mapping[str, Mapping[str, Any]]]
#: called each round after the derivations, with the round's changes, its number and where to
#: note what it changed; returns how many records it changed (the configured rules of
#: `hub.rules` hook in here, from `hub.sync.rules.configured`)
RoundHook = Callable[["Runtime | None", Session, "ChangeSet", datetime, int, "ChangeSet"], int]
ROUND_HOOKS: list[RoundHook] = []


@dataclass(frozen=True)
class Rule:
    """Fields `sets` of `target` records, derived when `watches` changed."""

    name: str
    target: Entity
    sets: tuple[str, ...]
    watches: Mapping[Entity, Collection[str] | None]
    derive: Derivation

    @property
    def source(self) -> str:
        """The source its changes are recorded under (provenance and audit)."""
        return f"derive:{self.name}"

    def triggered_by(self, changes: ChangeSet) -> bool:
        """Whether `changes` touch anything this rule watches."""
        return any(changes.ids(entity, fields) for entity, fields in self.watches.items())


_RULES: dict[str, Rule] = {}
_loaded = False


def register(rule: Rule, *, replace: bool = False) -> None:
    """Add a rule; a name already taken is an error unless `replace`."""
    if rule.name in _RULES and not replace and _RULES[rule.name] is not rule:
        raise ValueError(f"derivation rule {rule.name!r} is already registered")
    _RULES[rule.name] = rule


def unregister(name: str) -> None:
    """Remove a rule (tests)."""
    _RULES.pop(name, None)


def rules() -> list[Rule]:
    """Every registered rule, the modules of `hub.sync.rules` imported first."""
    global _loaded
    if not _loaded:
        package = importlib.import_module("hub.sync.rules")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        _loaded = True
    return list(_RULES.values())


def run(rt: Runtime | None, session: Session, changes: ChangeSet, now: datetime) -> int:
    """Apply every rule the changes trigger, then those their changes trigger; returns how
    many records got derived values. `rt` None: no push intents (no tools to tell)."""
    if not changes:
        return 0
    active = rules()
    if not active:
        return 0
    store = RecordStore(session)
    pending, total = changes, 0
    for depth in range(MAX_ROUNDS):
        produced = ChangeSet()
        for rule in active:
            if rule.triggered_by(pending):
                updates = rule.derive(DeriveContext(session, store, pending, now, rule, rt))
                total += _apply(rt, session, store, rule, updates, now, produced)
        for hook in ROUND_HOOKS:
            total += hook(rt, session, pending, now, depth, produced)
        if not produced:
            return total
        pending = produced
    log.warning("derived fields still changing after %d rounds (rules feeding each other?)",
                MAX_ROUNDS)
    return total


def _apply(rt: Runtime | None, session: Session, store: RecordStore, rule: Rule,
           updates: Mapping[str, Mapping[str, Any]], now: datetime,
           produced: ChangeSet) -> int:
    for fields in updates.values():
        stray = set(fields) - set(rule.sets)
        if stray:
            raise ValueError(f"rule {rule.name} set {sorted(stray)}, not among its `sets`")
    return apply_updates(rt, session, store, rule.target, rule.source, updates, now, produced)


def apply_updates(rt: Runtime | None, session: Session, store: RecordStore, entity: Entity,
                  source: str, updates: Mapping[str, Mapping[str, Any]], now: datetime,
                  produced: ChangeSet) -> int:
    """Set fields of `entity` records as the hub (`source` in provenance and audit): only
    values that differ change anything; push intents are queued; the changes are noted in
    `produced`. Returns how many records changed."""
    if not updates:
        return 0
    records = store.load(entity, list(updates))
    changed: dict[str, RecordMixin] = {}
    for record_id, fields in updates.items():
        record = records.get(record_id)
        if record is None or record.deleted_at is not None:
            continue
        current = _current(store, entity, record, fields)
        applied = {name: to_json(value) for name, value in fields.items()
                   if not same(current.get(name), to_json(value))}
        if not applied:
            continue
        store.write(entity, record, applied)
        record.version += 1
        record.provenance = {**(record.provenance or {}), **{
            name: {"source": source, "link": None, "at": now.isoformat(),
                   "v": record.version, "exact": True} for name in applied}}
        session.add(AuditEntry(entity=entity, record_id=record_id, action="update",
                               changes={k: {"old": current.get(k), "new": v}
                                        for k, v in applied.items()},
                               source=source, delivery="derive", at=now))
        produced.changed(entity, record_id, applied, {k: current.get(k) for k in applied})
        changed[record_id] = record
    if changed:
        session.flush()
        if rt is not None:
            IntentWriter(rt, session, now).queue(
                entity, {rid: store.values(entity, r) for rid, r in changed.items()})
    return len(changed)


def _current(store: RecordStore, entity: Entity, record: RecordMixin,
             fields: Iterable[str]) -> dict[str, Any]:
    values = store.values(entity, record)
    for name in fields:  # fields the engine doesn't sync (risks) are read off the row
        if name not in values:
            values[name] = to_json(getattr(record, name, None))
    return values


def chunks(ids: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """`ids` in lists of `size`, for IN clauses every database takes."""
    batch: list[str] = []
    for item in ids:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
