"""What a rule would do for one event: its effects, decided from the current data without
doing anything (`hub rules try` shows them; the engine applies them)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.config.models import HubConfig
from hub.config.rules import FollowUp, Notify, RuleConfig, SetFields, When
from hub.model.enums import Entity
from hub.notify.templates import DEFAULTS, pick, render
from hub.rules.audience import may_know, principal_of, readable
from hub.rules.events import Event
from hub.store.canonical import Project, Task
from hub.sync.records import RecordStore, field_provenance

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NAME_FIELDS = ("title", "name", "display_name", "key", "cost_center")


@dataclass
class Effect:
    """One thing a rule does: a message, fields set on records, or a follow-up task."""

    kind: str  # notify | set | create | withheld
    rule: str
    summary: str
    channel: str | None = None
    title: str = ""
    body: str = ""
    language: str = "en"
    dedupe_key: str = ""
    entity: Entity | None = None
    record_id: str | None = None
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    connector: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def same_value(value: Any, expected: Any) -> bool:
    """Whether a value is the expected one, or one of a list of them (`None`: anything)."""
    if expected is None:
        return True
    if isinstance(expected, list):
        return any(same_value(value, e) for e in expected)
    if isinstance(value, list):
        return any(str(v) == str(expected) for v in value)
    return value is not None and str(value) == str(expected)


def matches_when(when: When, event: Event) -> bool:
    """Whether the event is the one `when` describes (conditions aside)."""
    if when.event != event.kind or (when.entity is not None and when.entity != event.entity):
        return False
    if when.event == "changed":
        return when.field == event.field and same_value(event.old, when.from_) and \
            same_value(event.new, when.to)
    if when.event in ("risk_raised", "risk_cleared"):
        return when.risk is None or when.risk == event.risk
    if when.event == "connector_unhealthy":  # `new`: for how many minutes
        return isinstance(event.new, int) and event.new >= when.minutes
    return True


class Planner:
    """Decides rules' effects in one transaction, reading through one `RecordStore`."""

    def __init__(self, config: HubConfig, session: Session, store: RecordStore,
                 now: datetime) -> None:
        self.config, self.session, self.store, self.now = config, session, store, now

    # -- the record and its surroundings ------------------------------------------------------
    def values(self, entity: Entity | None, record_id: str | None) -> dict[str, Any]:
        """The record's values (empty when it has none), with `@version` and `@provenance`."""
        if entity is None or record_id is None:
            return {}
        return self.values_of(entity, [record_id]).get(record_id, {})

    def values_of(self, entity: Entity, ids: list[str]) -> dict[str, dict[str, Any]]:
        """`values` of many records, loaded in one query."""
        records = self.store.load(entity, ids)
        out: dict[str, dict[str, Any]] = {}
        for record_id, record in records.items():
            values = self.store.values(entity, record)
            values["risks"] = list(getattr(record, "risks", None) or [])
            values["@version"] = record.version
            values["@provenance"] = record.provenance or {}
            out[record_id] = values
        return out

    def context(self, event: Event, values: Mapping[str, Any]) -> dict[str, Any]:
        """What conditions test: the record's fields, and its project, department and tool."""
        out = {k: v for k, v in values.items() if not k.startswith("@")}
        project_key = values.get("key") if event.entity is Entity.project else values.get("project")
        out["project"] = project_key
        out["department"] = values.get("department") if event.entity is Entity.project else (
            self._department(project_key))
        prov = field_provenance(values.get("@provenance") or {}, event.field or "*")
        out["tool"] = event.connector or prov.get("source")
        return out

    def _department(self, project_key: Any) -> Any:
        if not project_key:
            return None
        return self.session.scalar(select(Project.department).where(Project.key == project_key))

    def conditions_hold(self, rule: RuleConfig, event: Event, values: Mapping[str, Any]) -> bool:
        """Whether the rule's `where` holds for the event's record."""
        context = self.context(event, values)
        return all(same_value(context.get(name), expected)
                   for name, expected in rule.where.items())

    # -- effects -------------------------------------------------------------------------
    def plan(self, rule: RuleConfig, event: Event) -> list[Effect]:
        """The effects of `rule` for `event`, if its conditions hold (else none)."""
        values = self.values(event.entity, event.record_id)
        if not self.conditions_hold(rule, event, values):
            return []
        effects: list[Effect] = []
        for action in rule.then:
            if action.notify is not None:
                effects += self._notify(rule, action.notify, event, values)
            elif action.set is not None:
                effects += self._set(rule, action.set, event, values)
            elif action.create_task is not None:
                effects += self._create(rule, action.create_task, event, values)
        return effects

    def _notify(self, rule: RuleConfig, notify: Notify, event: Event,
                values: Mapping[str, Any]) -> list[Effect]:
        out: list[Effect] = []
        for name in notify.channels:
            channel = self.config.channels[name]
            principal = principal_of(name, channel.audience)
            entity = event.entity
            if entity is not None and event.record_id is not None and (
                    not may_know(self.session, principal, entity, event.record_id)
                    or (event.risk and event.risk in policy.hidden_values(
                        principal, entity, "risks"))
                    or (event.field and not policy.may_read(principal, entity, event.field))):
                out.append(Effect("withheld", rule.name, f"not to {name}: its audience may not "
                                                         "read this", channel=name))
                continue
            shown = readable(principal, entity, values) if entity is not None else {}
            context = {**shown, "record": shown, "rule": rule.name,
                       "entity": entity.value if entity else "",
                       "name": next((shown[f] for f in _NAME_FIELDS if shown.get(f)),
                                    event.record_id or ""),
                       "field": event.field or "", "old": _plain(event.old),
                       "new": _plain(event.new), "risk": event.risk or "",
                       "connector": event.connector or "", "reason": event.reason or "",
                       "minutes": event.new if event.kind == "connector_unhealthy"
                       else rule.when.minutes, "project": shown.get("project") or (
                           shown.get("key") if entity is Entity.project else "")}
            default_title, default_body = DEFAULTS[event.kind][channel.language]
            title = render(pick(notify.title, channel.language) or default_title, context)
            body = render(pick(notify.template, channel.language) or default_body, context)
            out.append(Effect("notify", rule.name, f"message to {name}: {title}", channel=name,
                              title=title[:300], body=body, language=channel.language,
                              dedupe_key=f"{rule.name}:{name}:{event.key}", entity=entity,
                              record_id=event.record_id))
        return out

    def _set(self, rule: RuleConfig, action: SetFields, event: Event,
             values: Mapping[str, Any]) -> list[Effect]:
        targets = self._targets(action.target, event, values)
        fields: dict[str, Any] = dict(action.fields)
        if action.reason:
            fields["custom.rule_reason"] = action.reason
        updates: dict[str, dict[str, Any]] = {}
        entity: Entity | None = None
        for target_entity, record_id in targets:
            target = self.values(target_entity, record_id)
            if not target or not all(same_value(target.get(k), v)
                                     for k, v in action.where.items()):
                continue
            changing = {k: v for k, v in fields.items() if target.get(k) != v}
            if changing:
                entity = target_entity
                updates[record_id] = changing
        if entity is None:
            return []
        shown = ", ".join(f"{k}={v}" for k, v in action.fields.items())
        return [Effect("set", rule.name, f"set {shown} on {len(updates)} {entity.value}(s)",
                       entity=entity, updates=updates)]

    def _targets(self, on: str, event: Event, values: Mapping[str, Any]
                 ) -> list[tuple[Entity, str]]:
        if event.entity is None or event.record_id is None:
            return []
        if on == "self":
            return [(event.entity, event.record_id)]
        project_key = values.get("key") if event.entity is Entity.project else values.get("project")
        if not project_key:
            return []
        if on == "project":
            project_id = self.session.scalar(select(Project.id).where(Project.key == project_key))
            return [(Entity.project, project_id)] if project_id else []
        ids = self.session.scalars(
            select(Task.id).join(Project, Task.project_id == Project.id)
            .where(Project.key == project_key, Task.deleted_at.is_(None)).order_by(Task.id))
        return [(Entity.task, task_id) for task_id in ids]

    def _create(self, rule: RuleConfig, action: FollowUp, event: Event,
                values: Mapping[str, Any]) -> list[Effect]:
        if event.record_id is None:
            return []
        task_id = follow_up_id(rule.name, event.record_id)
        if self.store.load(Entity.task, [task_id]):
            return []  # made already: a rule creates one follow-up per record
        context = {k: v for k, v in values.items() if not k.startswith("@")}
        context["record"] = dict(context)
        title = render(pick(action.title, "en") or "", context)
        source = values.get("title") or values.get("name") or event.record_id
        new = {"title": title[:1000], "status": "todo",
               "project": values.get("project") if event.entity is Entity.task
               else values.get("key"),
               "description": f"Follows {event.entity.value if event.entity else 'record'} "
                              f"{source} (hub id {event.record_id}).",
               "custom.follows": event.record_id, **action.fields}
        return [Effect("create", rule.name, f"create task {title!r} in {action.connector}",
                       entity=Entity.task, record_id=task_id, connector=action.connector,
                       values=new)]


def follow_up_id(rule: str, record_id: str) -> str:
    """The id of the follow-up task `rule` makes for a record: the same every time, so a
    retried or repeated event finds it instead of making a second one."""
    digest = int.from_bytes(hashlib.sha256(f"{rule}:{record_id}".encode()).digest()[:17], "big")
    return "".join(_CROCKFORD[(digest >> (5 * i)) & 31] for i in range(26))


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value is None else value
