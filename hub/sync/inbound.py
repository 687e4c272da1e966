"""The inbound pipeline (DESIGN §3) for one batch of remote records, from a poll or a webhook:
normalise, drop stale deliveries, resolve identity, diff against the shadow, reconcile each
changed field under its policy, and write the canonical change, its audit entry, conflicts and
push intents into the caller's transaction. Batches are read with a handful of queries, not a
few per record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.config.sync import EntitySync
from hub.ids import new_id
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.sdk.connector import Rejected, RemoteRecord
from hub.store.canonical import RecordMixin
from hub.store.sync import AuditEntry, Link
from hub.sync import derive, identity, refusals, storable, tombstones
from hub.sync.batch import BatchItem, NewRecords, Tally
from hub.sync.conflicts import record_conflict
from hub.sync.freshness import is_older, is_stale
from hub.sync.intents import IntentWriter, same
from hub.sync.normalise import normalise
from hub.sync.reconcile import decide
from hub.sync.records import REFERENCES, RecordStore, field_provenance
from hub.sync.runtime import Runtime

REQUIRED = {Entity.task: "title", Entity.project: "name", Entity.absence: "person"}


class Ingest:
    """Runs one batch of one connector through the pipeline, in the caller's transaction."""

    def __init__(self, rt: Runtime, session: Session, connector_id: str,
                 delivery: str = "poll", deliveries: Mapping[int, str] | None = None) -> None:
        self.rt, self.session = rt, session
        self.connector_id, self.delivery = connector_id, delivery
        #: id(record) -> the webhook delivery it came in, for a batch of many deliveries
        self.deliveries = deliveries or {}
        self.store = RecordStore(session)
        self.now = rt.clock()
        self.tally = Tally()
        self.intents = IntentWriter(rt, session, self.now)
        self._to_check: dict[Entity, dict[str, RecordMixin]] = {}
        self._matches = identity.MatchIndex()
        self._written_keys: dict[Entity, set[tuple[str, str]]] = {}
        self._restored: set[str] = set()  # records back from a tombstone: pushed as needed
        self._met: set[Any] = set()  # people this tool linked for the first time
        self.new = NewRecords(session, self.store, connector_id, self.delivery_of, self.now)
        #: what this batch changed, for the derivation rules (hub.sync.derive)
        self.changes = derive.ChangeSet()

    def run(self, records: Sequence[RemoteRecord]) -> Tally:
        """Process the batch; returns its tally. The caller commits."""
        self.tally.read += len(records)
        items = normalise(self.rt, self.session, self.connector_id, records, self.tally,
                          self._quarantine)
        links = identity.load_links(self.session, self.connector_id, [i.record for i in items])
        loaded = self._resolve(items, links)
        for item in items:
            key = (item.record.remote_type, item.record.remote_id)
            self._one(item, links, key, loaded)
        self.new.flush(self._written_keys)
        for entity in set(self._to_check) | set(self.new.created):
            values = {rid: self.store.values(entity, r)
                      for rid, r in self._to_check.get(entity, {}).items()}
            created = self.new.created.get(entity, {})
            values.update(created)
            self.tally.pushes_queued += self.intents.queue(
                entity, values, new=dict.fromkeys(created, self.connector_id))
        for entity, created in self.new.created.items():
            for record_id in created:
                self.changes.created(entity, record_id)
        # Fields derived from what changed (a project's budget gate), in this transaction.
        self.tally.derived += derive.run(self.rt, self.session, self.changes, self.now)
        # Fields this tool refused for want of these people are written again now.
        refusals.wake(self.session, self.connector_id,
                      {f"person:{p.primary_email}" for p in self._met if p.primary_email},
                      self.now)
        return self.tally

    # -- stages ----------------------------------------------------------------------------
    def _resolve(self, items: list[BatchItem],
                 links: dict[tuple[str, str], Link]) -> dict[Entity, dict[str, RecordMixin]]:
        ids: dict[Entity, set[str]] = {}
        for link in links.values():
            ids.setdefault(link.entity, set()).add(link.record_id)
        unlinked = [i for i in items if (i.record.remote_type, i.record.remote_id) not in links
                    and not i.record.deleted]
        for entity in {i.entity for i in unlinked}:
            mine = [i for i in unlinked if i.entity is entity]
            hub_ids = identity.existing_ids(self.session, entity,
                                            [i.record.hub_id for i in mine if i.record.hub_id])
            ids.setdefault(entity, set()).update(hub_ids)
            ids[entity] |= self._matches.fill(self.session, entity, self.rt.rules(entity).match,
                                              [i.values for i in mine])
        named: dict[str, set[str]] = {"person": set(), "project": set(), "account": set()}
        for item in items:  # people, projects, accounts named in the batch: a query each
            named["person"].update(item.values.get("assignees") or [])
            for name, kind in REFERENCES[item.entity].items():
                if item.values.get(name):
                    named[kind].add(str(item.values[name]))
        self.store.preload_people(named["person"])
        self.store.preload_projects(named["project"])
        self.store.preload_accounts(named["account"])
        # Locked: a change is decided from them (see RecordStore.load).
        return {entity: self.store.load(entity, wanted, for_update=True)
                for entity, wanted in ids.items()}

    def _one(self, item: BatchItem, links: dict[tuple[str, str], Link], key: tuple[str, str],
             loaded: dict[Entity, dict[str, RecordMixin]]) -> None:
        record, entity = item.record, item.entity
        link = links.get(key)
        canonical = loaded.get(entity, {}).get(link.record_id) if link else None
        if link is not None and link.deleted_at is not None and not record.deleted:
            if not tombstones.shows_again(link, record, self.delivery):
                self.tally.count("stale", entity)
                return
            tombstones.restore(self, link, canonical, entity)
            self._restored.add(link.record_id)
        elif link is not None and (is_older if record.deleted else is_stale)(link, record):
            # A delete keeps the object's last change time: it is no repeat of that state.
            self.tally.count("stale", entity)
            return
        if record.deleted:
            tombstones.tombstone(self, link, record, loaded, entity)
            return
        rules = self.rt.rules(entity)
        created = False
        if canonical is None:
            canonical = self._find(item, rules, loaded)
            if canonical is not None and canonical.deleted_at is not None:
                tombstones.restore(self, None, canonical, entity)  # a person met again
                self._restored.add(canonical.id)
            if canonical is None:
                if not self._may_create(item, rules):
                    return
                if link is None and entity is not Entity.person:
                    self._create_fast(item, rules)
                    return
                canonical = self.store.create(entity, new_id())
                self._matches.add(entity, rules.match, item.values, canonical.id)
                created = True
            loaded.setdefault(entity, {})[canonical.id] = canonical
        if link is None:
            link = Link(id=new_id(), connector_id=self.connector_id, remote_type=record.remote_type,
                        remote_id=record.remote_id, entity=entity, record_id=canonical.id,
                        shadow={})
            self.session.add(link)
            links[key] = link
            if entity is Entity.person:  # someone now known to this tool
                self._met.add(canonical)
        self._reconcile(item, link, canonical, rules, created)
        if entity is Entity.person and (canonical.custom or {}).get("unverified") and \
                self.rt.authority(self.connector_id, entity):
            # HR knows them: no longer a person met only as someone's assignee.
            canonical.custom = {k: v for k, v in canonical.custom.items() if k != "unverified"}

    def _find(self, item: BatchItem, rules: EntitySync,
              loaded: dict[Entity, dict[str, RecordMixin]]) -> RecordMixin | None:
        """The existing record this remote is, by the hub id it carries or a match rule. A
        deleted record is not matched: a new remote id is a new object, unless it is a person
        (one per e-mail address: someone met again is the same person, restored)."""
        entity, values = item.entity, item.values
        known = loaded.setdefault(entity, {})

        def usable(record_id: str | None) -> RecordMixin | None:
            found = known.get(record_id) if record_id else None
            return found if found is not None and (
                found.deleted_at is None or entity is Entity.person) else None

        if (by_hub_id := usable(item.record.hub_id)) is not None:
            return by_hub_id
        if entity is Entity.person and "email" in rules.match and values.get("email"):
            # Met earlier in this batch (as someone's assignee): not in the index yet.
            met = self.store.met(str(values["email"]))
            if met is not None:
                known[met.id] = met
                return met
        for rule in rules.match:
            record_id = self._matches.get(entity, rule, values)
            if record_id and record_id not in known and self.new.pending(entity):
                self.new.flush(self._written_keys)  # matched a record new in this batch
                known.update(self.store.load(entity, [record_id]))
            if (matched := usable(record_id)) is not None:
                return matched
        return None

    def _may_create(self, item: BatchItem, rules: EntitySync) -> bool:
        if not rules.create_records:
            self.tally.count("skipped", item.entity)
            return False
        required = REQUIRED.get(item.entity)
        if required and not item.values.get(required):
            self._quarantine(item.record, f"a new {item.entity.value} needs `{required}`, and "
                                          "the mapping gave none", item.entity)
            return False
        if item.entity is Entity.person and not item.values.get("display_name"):
            item.values["display_name"] = str(item.values.get("email") or "unknown").split("@")[0]
        return True

    def _create_fast(self, item: BatchItem, rules: EntitySync) -> None:
        record_id = self.new.add(item, rules.match)
        self._matches.add(item.entity, rules.match, item.values, record_id)
        self.tally.count("created", item.entity)

    def _reconcile(self, item: BatchItem, link: Link, canonical: RecordMixin, rules: EntitySync,
                   created: bool) -> None:
        entity, record, new_values = item.entity, item.record, item.values
        # A record no tool has set yet (a person met as an assignee, a project named by a
        # task): this is its first real content, a creation to whoever reads the tally.
        placeholder = not created and not canonical.provenance
        shadow = dict(link.shadow or {})
        current = {} if created else self.store.values(entity, canonical)
        provenance = dict(canonical.provenance or {})
        first_link = not shadow
        applied: dict[str, Any] = {}
        reverted: dict[str, Any] = {}
        raw_of = item.raw_of
        seen_times = dict(link.field_times or {})
        for name, new in new_values.items():
            if name in raw_of:
                continue
            cur = current.get(name)
            exact = record.exact_time(item.sources.get(name))
            known = _parse_time(seen_times.get(name))
            if exact is not None:
                seen_times[name] = exact.isoformat()
            edited_since = exact is not None and known is not None and exact > known
            prov = field_provenance(provenance, name)
            if not created and name in shadow and (same(shadow[name], new) or (
                    item.mapping is not None
                    and item.mapping.same_remotely(name, shadow[name], new))):
                # Unchanged in the tool's own terms (it may fold values, e.g. in_review and
                # in_progress both to "Doing"): what it reports back is what the hub sent.
                if not edited_since:
                    continue
                if same(new, cur):  # edited and set back: the value stands as of that edit
                    self._reaffirm(provenance, name, link, exact)
                    continue
            apply, decision = True, None
            if not created and not same(new, cur):
                # On a first link the tool's earlier state is unknown: no conflict is claimed.
                base = cur if first_link else shadow.get(name)
                decision = decide(rules.policy(name), source=self.connector_id, new=new,
                                  current=cur, base=base,
                                  new_time=exact or record.updated_at,
                                  current_time=_parse_time(prov.get("at")),
                                  current_source=prov.get("source"),
                                  exact=exact is not None and bool(prov.get("exact")))
                apply = decision.apply
                if decision.conflict is not None:
                    self.session.add(record_conflict(
                        entity, canonical.id, name, rules.policy(name), base=shadow.get(name),
                        tool=(self.connector_id, new, exact or record.updated_at),
                        hub=(cur, prov), tool_won=apply, state=decision.conflict,
                        now=self.now))
                    self.tally.count("conflicts", entity)
            if apply and (created or not same(new, cur)):
                applied[name] = new
            elif not apply:
                reverted[name] = new
            elif edited_since:
                self._reaffirm(provenance, name, link, exact)
            shadow[name] = new
        for name, main in raw_of.items():
            # A tool's raw value (its own status name) goes with its main field: it becomes
            # canonical when this tool's main value did, not when the tool merely agrees.
            if name in new_values and shadow.get(name) != new_values[name]:
                if (created or main in applied) and current.get(name) != new_values[name]:
                    applied[name] = new_values[name]
                shadow[name] = new_values[name]
        version = canonical.version + (0 if created else 1)
        for name in applied:
            exact = record.exact_time(item.sources.get(raw_of.get(name, name)))
            when = exact or record.updated_at
            provenance[name] = {"source": self.connector_id, "link": link.id,
                                "at": when.isoformat() if when else None, "v": version,
                                "exact": exact is not None}
        self._commit_changes(item, link, canonical, applied, reverted, provenance, current,
                             created, rules, placeholder)
        link.shadow = shadow
        link.field_times = seen_times
        link.remote_updated_at = record.updated_at or link.remote_updated_at
        link.remote_version = record.version or link.remote_version
        link.url = record.url or link.url

    def _reaffirm(self, provenance: dict[str, Any], name: str, link: Link,
                  when: datetime | None) -> None:
        """A person set the field to the value the hub has: it stands as of that edit, which
        an older concurrent edit must not beat."""
        prov = field_provenance(provenance, name)
        known = _parse_time(prov.get("at"))
        if when is not None and (known is None or when > known):
            provenance[name] = {**prov, "source": self.connector_id, "link": link.id,
                                "at": when.isoformat(), "exact": True}

    def _commit_changes(self, item: BatchItem, link: Link, canonical: RecordMixin,
                        applied: dict[str, Any], reverted: dict[str, Any],
                        provenance: dict[str, Any], current: dict[str, Any], created: bool,
                        rules: EntitySync, placeholder: bool = False) -> None:
        entity = item.entity
        if applied:
            self.store.write(entity, canonical, applied)
            canonical.provenance = provenance
            if not created:
                canonical.version += 1
            self.audit(entity, canonical.id, "create" if created else "update", link,
                        {k: {"old": current.get(k), "new": v} for k, v in applied.items()},
                       item.record)
            identity.remember_match_keys(self.session, entity, canonical.id,
                                         {**current, **applied}, rules.match,
                                         self._written_keys.setdefault(entity, set()),
                                         changed=applied)
            if created:
                self.changes.created(entity, canonical.id)
            else:
                self.changes.changed(entity, canonical.id, applied,
                                     {k: current.get(k) for k in applied})
        elif provenance != (canonical.provenance or {}):
            canonical.provenance = provenance  # a value reaffirmed later (see _reaffirm)
        if reverted:
            self.audit(entity, canonical.id, "revert", link,
                        {k: {"rejected": v, "kept": current.get(k)} for k, v in reverted.items()},
                       item.record)
        if created or (placeholder and applied):
            self.tally.count("created", entity)
        elif applied:
            self.tally.count("updated", entity)
        else:
            self.tally.count("unchanged", entity)
        if applied or reverted or created or canonical.id in self._restored:
            self._to_check.setdefault(entity, {})[canonical.id] = canonical

    # -- rows ------------------------------------------------------------------------------
    def delivery_of(self, record: RemoteRecord | None) -> str:
        """The delivery `record` came in (the batch's own name for polls)."""
        return self.deliveries.get(id(record), self.delivery) if record else self.delivery

    def audit(self, entity: Entity, record_id: str, action: str, link: Link | None,
              changes: dict[str, Any], record: RemoteRecord | None = None) -> None:
        """An audit entry for a change this batch makes (`record`: what the tool sent)."""
        self.session.add(AuditEntry(entity=entity, record_id=record_id, action=action,
                                    changes=changes, source=self.connector_id,
                                    link_id=link.id if link else None,
                                    delivery=self.delivery_of(record), at=self.now))

    def _quarantine(self, record: RemoteRecord, reason: str,
                    entity: Entity | None = None) -> None:
        self.reject([Rejected(record.remote_type, record.remote_id, reason,
                              location=record.url, payload=record.payload)], entity)

    def reject(self, rejected: Sequence[Rejected], entity: Entity | None = None) -> None:
        """Quarantine what the connector read but could not make records of (with where it
        was: file, sheet, row, column), in this batch's transaction."""
        for item in rejected:
            self.session.add(storable.quarantine_item(
                self.connector_id, item.reason, to_json(dict(item.payload)), self.now,
                remote_type=item.remote_type, remote_id=item.remote_id, location=item.location))
            self.tally.count("quarantined",
                             entity or self.rt.entity_of(self.connector_id, item.remote_type))


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
