"""Sync rules: which entities flow between which connectors, who owns which field, how records
are matched across tools, and where the hub may create remote objects (mirror rules)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

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
    match: list[str] = Field(
        default_factory=list, description="canonical fields that identify the same record "
                                          "across tools, e.g. custom.jira_key or email")
    default_policy: FieldPolicy = Field(default="latest", description="policy of unlisted fields")
    fields: dict[str, FieldPolicy] = Field(
        default_factory=dict, description="field -> latest | manual | {owner: <connector>}")
    mirror: list[MirrorRule] = Field(default_factory=list)
    create_records: bool = Field(
        default=True, description="records first seen in a tool become canonical records")

    def policy(self, field: str) -> FieldPolicy:
        """The policy of one canonical field."""
        return self.fields.get(field, self.default_policy)


class SyncConfig(StrictModel):
    """The `sync:` section: per entity rules."""

    entities: dict[Entity, EntitySync] = Field(default_factory=dict)

    def for_entity(self, entity: Entity) -> EntitySync:
        """The rules of `entity` (defaults when not configured: people match by e-mail)."""
        if entity in self.entities:
            return self.entities[entity]
        return _PEOPLE_BY_EMAIL if entity is Entity.person else _DEFAULT


_DEFAULT = EntitySync()
_PEOPLE_BY_EMAIL = EntitySync(match=["email"])
