"""Cross-checks YAML can't express: sync rules may only name configured connectors and fields
the entity has."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from hub.config.models import HubConfig
from hub.config.source import Loc, Located
from hub.config.sync import OwnerPolicy
from hub.errors import ConfigProblem
from hub.mapping.fields import CUSTOM_PREFIX, canonical_fields
from hub.model.enums import Entity


def sync_reference_problems(config: HubConfig, connector_ids: Collection[str],
                            located: Located) -> list[ConfigProblem]:
    """Every unknown connector or field named in `sync:` (and connectors in `comments:`),
    located."""
    problems: list[ConfigProblem] = []
    for entity, rules in config.sync.entities.items():
        base: Loc = ("sync", "entities", entity.value)
        connectors = [((*base, "connectors", i), n) for i, n in enumerate(rules.connectors or [])]
        fields: list[tuple[Loc, str]] = []
        for i, match in enumerate(rules.match):
            if isinstance(match, str):
                fields.append(((*base, "match", i), match))
            else:  # fields that identify a record together
                fields += [((*base, "match", i, j), name) for j, name in enumerate(match)]
        for name, policy in rules.fields.items():
            fields.append(((*base, "fields", name), name))
            if isinstance(policy, OwnerPolicy):
                connectors.append(((*base, "fields", name, "owner"), policy.owner))
        for i, rule in enumerate(rules.mirror):
            connectors += [((*base, "mirror", i, "from"), rule.source),
                           ((*base, "mirror", i, "to"), rule.to)]
        problems += [located.problem(loc, _unknown_connector(name, connector_ids))
                     for loc, name in connectors if name not in connector_ids]
        problems += [located.problem(loc, _unknown_field(entity, name))
                     for loc, name in fields if _is_unknown_field(entity, name)]
    comments: list[tuple[Loc, str]] = [(("comments", "connectors", n), n)
                                       for n in config.comments.connectors]
    for key, names in config.comments.projects.items():
        comments += [(("comments", "projects", key, i), n) for i, n in enumerate(names)]
    problems += [located.problem(loc, _unknown_connector(name, connector_ids))
                 for loc, name in comments if name not in connector_ids]
    problems += [located.problem(("sync", "deals", i, "to"),
                                 _unknown_connector(rule.to, connector_ids))
                 for i, rule in enumerate(config.sync.deals) if rule.to not in connector_ids]
    for i, alias in enumerate(config.sync.aliases):
        if "@" not in alias.email:
            problems.append(located.problem(("sync", "aliases", i, "email"),
                                            f'"{alias.email}" is not an e-mail'))
        for j, other in enumerate(alias.also):
            prefix, colon, rest = other.partition(":")
            if "@" not in other and not (colon and prefix in connector_ids and rest):
                problems.append(located.problem(
                    ("sync", "aliases", i, "also", j),
                    f'"{other}" is neither an e-mail nor <connector>:<remote id> of a '
                    f"configured connector ({', '.join(sorted(connector_ids)) or 'none'})"))
    return sorted(problems, key=lambda p: p.line or 0)


def _unknown_connector(name: str, known: Collection[str]) -> str:
    hint = difflib.get_close_matches(name, sorted(known), n=1)
    guess = f'did you mean "{hint[0]}"? ' if hint else ""
    return (f'"{name}" is not a configured connector '
            f"({guess}configured: {', '.join(sorted(known)) or 'none'})")


def _is_unknown_field(entity: Entity, name: str) -> bool:
    return name not in canonical_fields(entity) and not name.startswith(CUSTOM_PREFIX)


def _unknown_field(entity: Entity, name: str) -> str:
    hint = difflib.get_close_matches(name, sorted(canonical_fields(entity)), n=1)
    guess = f'did you mean "{hint[0]}"? ' if hint else ""
    return f'"{name}" is not a {entity.value} field ({guess}or custom.<name>)'
