"""Sync rules: which entities flow between which connectors, who owns which field, how records
are matched across tools, and where the hub may create remote objects (mirror rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from hub.model.enums import Entity
from hub.sdk.config import StrictModel


class OwnerPolicy(StrictModel):
    """That connector is the authority for the field; others' changes are reverted."""

    owner: str = Field(description="connector id that owns the field")


def _policy(value: Any) -> Any:
    # `owner: hr` may also be written as the string "owner:hr".
    if isinstance(value, str) and value.startswith("owner:"):
        return {"owner": value.removeprefix("owner:").strip()}
    return value


FieldPolicy = Annotated[Literal["latest", "manual"] | OwnerPolicy, BeforeValidator(_policy)]
#: a canonical field whose value identifies a record (`custom.jira_key`), or several that do
#: together (`[project, cost_center, period, currency]`)
MatchRule = str | Annotated[list[str], Field(min_length=1)]
#: the match rules of entities whose `sync:` entry says none: people are one person by e-mail;
#: a budget line is one line whichever finance export reports it
DEFAULT_MATCH: dict[Entity, list[MatchRule]] = {
    Entity.person: ["email"],
    Entity.budget_line: [["project", "cost_center", "period", "currency"]],
}


class MirrorRule(StrictModel):
    """Create a counterpart in `to` for records that `source` holds (the only way the hub creates
    remote objects)."""

    source: str = Field(alias="from", description="connector whose records are mirrored")
    to: str = Field(description="connector where counterparts are created")
    remote_type: str | None = Field(
        default=None, description="remote type to create; default: the one the mapping has")
    where: dict[str, Any] = Field(
        default_factory=dict, description="only records whose canonical fields equal these")


class EntitySync(StrictModel):
    """How one canonical entity is synchronised."""

    connectors: list[str] | None = Field(
        default=None, description="connectors that exchange this entity; default: every "
                                  "connector whose mapping has it")
    match: list[MatchRule] = Field(
        default_factory=list, description="what identifies the same record across tools, "
                                          "each entry on its own: a canonical field (e.g. "
                                          "custom.jira_key, email) or a list of fields equal "
                                          "together (e.g. [project, cost_center, period, "
                                          "currency]); default: email for people, that list "
                                          "for budget lines, none otherwise; [] for none")
    default_policy: FieldPolicy = Field(default="latest", description="policy of unlisted fields")
    fields: dict[str, FieldPolicy] = Field(
        default_factory=dict, description="field -> latest | manual | {owner: <connector>}")
    mirror: list[MirrorRule] = Field(default_factory=list)
    create_records: bool = Field(
        default=True, description="records first seen in a tool become canonical records")

    def policy(self, field: str) -> FieldPolicy:
        """The policy of one canonical field."""
        return self.fields.get(field, self.default_policy)


class PersonAlias(StrictModel):
    """Other names one person goes by in the tools: e-mails, and remote ids of tools that
    hold people (`<connector>:<id>`, e.g. a Jira account whose e-mail is hidden)."""

    email: str = Field(description="the person's main e-mail, as HR has it")
    also: list[str] = Field(description="other e-mails of the person, and remote ids as "
                                        "<connector>:<id>, e.g. rd-jira:5b10ac8d82e05b22cc7d4ef5")


class DealRule(StrictModel):
    """When a deal reaches `stage`, the hub makes it a delivery project (once): a project from
    the template, its kickoff tasks created in `to`, and the deal linked to it; the project's
    progress is written back onto the deal for sales (`hub.sync.rules.deals`)."""

    stage: str | None = Field(default=None, description=(
        "the CRM's stage name that starts delivery, e.g. Closed Won (default: any won stage)"))
    to: str = Field(description="connector where the kickoff tasks are created (Jira, Asana)")
    project_key: str = Field(default="{account_key}", description=(
        "the delivery project's key; {account_key}, {account_name} and {deal_id} are filled "
        "in (for Jira: the project where `to` creates issues)"))
    project_name: str = Field(default="{account_name} delivery")
    department: str | None = Field(default=None, description="the delivering department")
    tasks: list[str] = Field(default_factory=lambda: [
        "Kickoff meeting with the customer", "Confirm scope and statement of work",
        "Set up environments and access", "Plan the first milestone"],
        description="the kickoff tasks, in order")


class SyncConfig(StrictModel):
    """The `sync:` section: per entity rules, and aliases of people."""

    entities: dict[Entity, EntitySync] = Field(default_factory=dict)
    deals: list[DealRule] = Field(default_factory=list, description=(
        "won deals that become delivery projects (see DealRule)"))
    aliases: list[PersonAlias] = Field(
        default_factory=list, description="people known by more than one e-mail or id: each "
                                          "resolves to the person with the main e-mail")

    @field_validator("entities", mode="before")
    @classmethod
    def _default_match(cls, value: Any) -> Any:
        # An entity configured without `match:` keeps its default rules (an explicit [] drops
        # them): set here, so `hub config show` shows them too.
        if not isinstance(value, dict):
            return value
        out = dict(value)
        for name, rules in value.items():
            try:
                default = DEFAULT_MATCH.get(Entity(name))
            except ValueError:
                continue  # an unknown entity: reported by the validation
            if default is not None and isinstance(rules, dict) and "match" not in rules:
                out[name] = {**rules, "match": default}
        return out

    @field_validator("entities")
    @classmethod
    def _never_by_name(cls, value: dict[Entity, EntitySync]) -> dict[Entity, EntitySync]:
        person = value.get(Entity.person)
        if person is not None and "display_name" in match_fields(person.match):
            # Two people may share a name; merging them would mix their work and their HR data.
            raise ValueError("people are never matched by display_name (two people may share "
                             "a name): match them by email, and list other addresses or ids "
                             "under sync.aliases")
        return value

    def for_entity(self, entity: Entity,
                   default_owners: Mapping[str, str] | None = None) -> EntitySync:
        """The rules of `entity` (defaults when not configured: `DEFAULT_MATCH`);
        `default_owners` (field -> connector) own the fields the rules leave unsaid."""
        rules = self.entities.get(entity) or _DEFAULTS.get(entity, _DEFAULT)
        unsaid = {name: OwnerPolicy(owner=owner)
                  for name, owner in (default_owners or {}).items() if name not in rules.fields}
        if unsaid:
            rules = rules.model_copy(update={"fields": {**unsaid, **rules.fields}})
        return rules


def match_fields(rules: list[MatchRule]) -> list[str]:
    """Every field the match rules name."""
    return [name for rule in rules for name in ([rule] if isinstance(rule, str) else rule)]


_DEFAULT = EntitySync()
_DEFAULTS = {entity: EntitySync(match=match) for entity, match in DEFAULT_MATCH.items()}
