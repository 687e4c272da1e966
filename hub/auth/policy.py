"""Who sees what (DESIGN §8): one visibility policy per role, asked by everything that shows
data. The API's lists and gets, filters, sorts, cursors, the change feed, conflicts and
overviews ask it today; the dashboard, notifications and digests ask the same functions.

Two questions, two places:

- which records a principal may know exist: `hub.query.scope` (SQL conditions `visible` and
  `visible_refs`, from the role and the token's department or shared projects);
- which fields of those records it may read: this module. A field a role can't read, it can't
  filter on, sort on, include, or find in a cursor, a change or a conflict, so no answer it gets
  says yes or no about the field either.

The functions (`principal` is the caller; `entity` a canonical entity)::

    readable_entities(principal)                 entities whose records it may read at all
    readable_fields(principal, entity)           the fields a record shows it, in schema order
    may_read(principal, entity, name)            one field: a record field (or the engine's name
                                                 for it: owner, project, email, ...), custom.<key>,
                                                 or an extra: sources, provenance
    visible_value(principal, entity, name, v)    a readable field's value as it may see it
                                                 (values and custom keys it can't read taken out)
    partial_fields(principal, entity)            the readable fields it sees only part of
    may_filter(principal, entity, param, value)  a list filter: it reads only readable fields, and
                                                 its value names nothing hidden
    may_sort(principal, entity, key)             a sort key (sorting reveals order: a readable one)
    may_follow(principal, entity)                whether it reads the entity's changes (the feed):
                                                 they show when a record changed and that it went
    may_read_conflicts(principal)                conflicts: internal to the company
    hidden_fields(principal, entity)             what it can't read (for messages and SQL)

Which fields a principal reads depends on its role only (its department or shared projects
decide which records, not which fields), so callers may cache per role.

Derived values inherit the visibility of what they are derived from: a task's
`assignee_inactive` risk says that HR marked the assignee as leaving, and a project's
`budget_status` (with its copy on tasks, `custom.budget_status`) sums budget lines, so a partner,
who reads neither, reads neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hub.auth.principal import Principal
from hub.model.enums import Entity
from hub.model.schemas import SCHEMAS
from hub.store.auth import Role

#: what a record shows besides its fields, when asked (`include=`) or by default (sources)
EXTRAS = ("sources", "provenance")
#: the engine's (and audit entries', conflicts', mappings') names for fields records show by id
ENGINE_NAMES: dict[Entity, dict[str, str]] = {
    Entity.project: {"owner": "owner_id"},
    Entity.task: {"project": "project_id"},
    Entity.person: {"manager": "manager_id", "email": "primary_email"},
    Entity.absence: {"person": "person_id"},
    Entity.budget_line: {"project": "project_id"},
    Entity.comment: {"task": "task_id", "author": "author_id"},
    Entity.account: {"owner": "owner_id"},
    Entity.opportunity: {"account": "account_id", "owner": "owner_id", "project": "project_id"},
}
#: risks derived from HR data (hub.sync.rules.assignee_inactive, hub.rules.risks)
HR_RISKS = frozenset({"assignee_inactive", "absent_assignee"})
#: a task's reasons for its risks (hub.rules.risks): an absence's dates among them
RISK_REASONS_CUSTOM = frozenset({"risk_reasons"})
#: a task's copy of its project's budget gate (hub.sync.rules.task_budget_status)
BUDGET_CUSTOM = frozenset({"budget_status"})

_ALL = frozenset({"*"})


@dataclass(frozen=True)
class EntityView:
    """What one role reads of one entity's records."""

    fields: frozenset[str]  #: readable record fields ("*": all of them)
    extras: frozenset[str] = frozenset(EXTRAS)
    hidden_custom: frozenset[str] = frozenset()  #: custom keys it can't read
    hidden_values: Mapping[str, frozenset[str]] = field(default_factory=dict)  #: per list field

    def reads(self, name: str) -> bool:
        return "*" in self.fields or name in self.fields


@dataclass(frozen=True)
class RolePolicy:
    """What one role reads: per entity (absent: nothing of it), and whether conflicts."""

    entities: Mapping[Entity, EntityView]
    conflicts: bool = True


_EVERYTHING = RolePolicy({entity: EntityView(_ALL) for entity in Entity})
_PARTNER = RolePolicy(
    {
        Entity.project: EntityView(
            frozenset(SCHEMAS[Entity.project].model_fields) - {"budget_status"},
            hidden_custom=BUDGET_CUSTOM),
        Entity.task: EntityView(_ALL, hidden_custom=BUDGET_CUSTOM | RISK_REASONS_CUSTOM,
                                hidden_values={"risks": HR_RISKS}),
        # People by display name only: no e-mails, HR fields, dates, versions, HR ids or links.
        Entity.person: EntityView(frozenset({"id", "display_name"}), extras=frozenset()),
        # Comments on shared tasks, none internal (`hub.query.scope`), and no provenance.
        Entity.comment: EntityView(_ALL, extras=frozenset({"sources"})),
        # The customer and the deal behind a shared project, without the commercial terms.
        Entity.account: EntityView(frozenset({"id", "name", "industry", "url"}),
                                   extras=frozenset()),
        Entity.opportunity: EntityView(
            frozenset({"id", "name", "account_id", "stage", "status", "close_date",
                       "project_id"}), extras=frozenset()),
    },
    conflicts=False)

#: the policy of each role; scope (which records) is `hub.query.scope`'s
POLICIES: dict[Role, RolePolicy] = {
    Role.admin: _EVERYTHING, Role.manager: _EVERYTHING, Role.viewer: _EVERYTHING,
    Role.department: _EVERYTHING,  # everything of its own department's records
    Role.partner: _PARTNER,
}

#: what each list filter reads, besides the entity's own `q` fields: a field of the entity, or
#: `entity.field` of a related one (a task's `department` is its project's)
FILTERS: dict[Entity, dict[str, tuple[str, ...]]] = {
    Entity.project: {"department": ("department",), "status": ("status",),
                     "budget_status": ("budget_status",), "owner": ("owner_id",),
                     "due_before": ("due_date",), "due_after": ("due_date",),
                     "overdue": ("due_date", "status"), "q": ("name", "key")},
    Entity.task: {"project": ("project_id",), "department": ("project.department",),
                  "status": ("status",), "priority": ("priority",), "assignee": ("assignees",),
                  "label": ("labels",), "risk": ("risks",), "due_before": ("due_date",),
                  "due_after": ("due_date",), "overdue": ("due_date", "status"),
                  "q": ("title",)},
    Entity.person: {"department": ("department",), "employment_status": ("employment_status",),
                    "email": ("emails",), "q": ("display_name",)},
    Entity.absence: {"person": ("person_id",), "department": ("person.department",),
                     "kind": ("kind",), "status": ("status",),
                     "task": ("person_id", "task.assignees"), "from_date": ("end",),
                     "to_date": ("start",), "q": ("person.display_name",)},
    Entity.budget_line: {"project": ("project_id",), "department": ("project.department",),
                         "approval_status": ("approval_status",), "period": ("period",),
                         "cost_center": ("cost_center",), "currency": ("currency",),
                         "q": ("cost_center", "period")},
    Entity.comment: {"task": ("task_id",), "q": ("body",)},
    Entity.account: {"department": ("department",), "industry": ("industry",),
                     "owner": ("owner_id",), "q": ("name", "key")},
    Entity.opportunity: {"account": ("account_id",), "department": ("department",),
                         "status": ("status",), "stage": ("stage",), "owner": ("owner_id",),
                         "project": ("project_id",), "close_before": ("close_date",),
                         "close_after": ("close_date",), "q": ("name",)},
}
#: filters every list has
COMMON_FILTERS: dict[str, tuple[str, ...]] = {
    "updated_since": ("updated_at",), "include_deleted": ("deleted_at",)}
#: filters that name a person by id or by e-mail: the e-mail form reads the person's e-mails
PERSON_FILTERS = frozenset({"owner", "assignee", "person"})


def policy(principal: Principal) -> RolePolicy:
    """The policy of the principal's role."""
    return POLICIES[principal.role]


def entity_view(principal: Principal, entity: Entity) -> EntityView | None:
    """What the principal reads of `entity`; None: nothing (its lists and gets are 403)."""
    return policy(principal).entities.get(entity)


def readable_entities(principal: Principal) -> tuple[Entity, ...]:
    """Entities whose records the principal may read at all."""
    return tuple(e for e in Entity if entity_view(principal, e) is not None)


def readable_fields(principal: Principal, entity: Entity) -> tuple[str, ...]:
    """The fields a record of `entity` shows the principal, in schema order."""
    return _readable_fields(principal.role, entity)


@cache
def _readable_fields(role: Role, entity: Entity) -> tuple[str, ...]:
    view = POLICIES[role].entities.get(entity)
    if view is None:
        return ()
    return tuple(n for n in SCHEMAS[entity].model_fields if view.reads(n))


@cache
def field_of(entity: Entity, name: str) -> str:
    """The record field an engine name stands for (`owner` -> `owner_id`); others as given."""
    return ENGINE_NAMES[entity].get(name, name)


def may_read(principal: Principal, entity: Entity, name: str) -> bool:
    """Whether the principal reads field `name` of `entity` (a record field or its engine name,
    `custom.<key>`, or an extra: sources, provenance)."""
    view = entity_view(principal, entity)
    if view is None:
        return False
    if name in EXTRAS:
        return name in view.extras
    if name.startswith("custom."):
        return view.reads("custom") and name.removeprefix("custom.") not in view.hidden_custom
    return view.reads(field_of(entity, name))


def hidden_fields(principal: Principal, entity: Entity) -> tuple[str, ...]:
    """The record fields of `entity` the principal can't read (all of them: nothing readable)."""
    return tuple(n for n in SCHEMAS[entity].model_fields if not may_read(principal, entity, n))


def visible_value(principal: Principal, entity: Entity, name: str, value: Any) -> Any:
    """A readable field's value as the principal sees it: list values and custom keys it can't
    read are taken out (a partner's task risks without the HR-derived ones)."""
    view = entity_view(principal, entity)
    if view is None:
        return None
    if name == "custom" and view.hidden_custom and isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in view.hidden_custom}
    hidden = view.hidden_values.get(field_of(entity, name))
    if hidden and isinstance(value, list):
        return [v for v in value if not (isinstance(v, str) and v in hidden)]
    return value


def partial_fields(principal: Principal, entity: Entity) -> frozenset[str]:
    """Readable fields of which the principal sees only part (`visible_value` takes out the
    rest): `custom` without hidden keys, lists without hidden values."""
    view = entity_view(principal, entity)
    if view is None:
        return frozenset()
    return frozenset([*view.hidden_values, *(["custom"] if view.hidden_custom else [])])


def hidden_values(principal: Principal, entity: Entity, name: str) -> frozenset[str]:
    """Values of a readable list field the principal can't see (HR-derived risks)."""
    view = entity_view(principal, entity)
    return view.hidden_values.get(name, frozenset()) if view is not None else frozenset()


def _reads(principal: Principal, entity: Entity, ref: str) -> bool:
    other, dot, name = ref.partition(".")
    if dot:
        return may_read(principal, Entity(other), name)
    return may_read(principal, entity, ref)


def may_filter(principal: Principal, entity: Entity, param: str, value: Any = None) -> bool:
    """Whether the principal may filter `entity` with `param` (set to `value`): the filter reads
    only fields it reads, names a person by e-mail only if it reads e-mails, and asks for no
    value it can't see. Unknown filters are refused (a new one must say what it reads)."""
    if entity_view(principal, entity) is None:
        return False
    reads = FILTERS[entity].get(param) or COMMON_FILTERS.get(param)
    if reads is None:
        return False
    if not all(_reads(principal, entity, ref) for ref in reads):
        return False
    if param in PERSON_FILTERS and isinstance(value, str) and "@" in value \
            and not may_read(principal, Entity.person, "emails"):
        return False
    return not any(isinstance(value, str) and value.strip() in hidden_values(principal, entity, ref)
                   for ref in reads)


def may_sort(principal: Principal, entity: Entity, key: str) -> bool:
    """Whether the principal may sort `entity` by `key` (the order would show the field)."""
    return may_read(principal, entity, key)


def may_follow(principal: Principal, entity: Entity) -> bool:
    """Whether the principal reads the changes of `entity` records: an entry says when a record
    changed and whether it went, so the role must read `updated_at` and `deleted_at`."""
    return may_read(principal, entity, "updated_at") and may_read(principal, entity, "deleted_at")


def may_read_conflicts(principal: Principal) -> bool:
    """Conflicts (both values, who set each) are internal: not for every role."""
    return policy(principal).conflicts
