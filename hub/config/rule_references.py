"""Cross-checks of `rules:` and `digests:` YAML can't express: channels and connectors they name
must be configured, fields must be the entity's, templates must parse."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from hub.config.models import HubConfig
from hub.config.references import _is_unknown_field, _unknown_connector, _unknown_field
from hub.config.rules import Template
from hub.config.source import Loc, Located
from hub.errors import ConfigProblem
from hub.model.enums import Entity
from hub.notify.templates import check

_CONTEXT_KEYS = {"project", "department", "tool"}


def rule_reference_problems(config: HubConfig, connector_ids: Collection[str],
                            located: Located) -> list[ConfigProblem]:
    """Every unknown channel, connector or field and every broken template, located."""
    problems: list[ConfigProblem] = []
    channels = set(config.channels)

    def channel(loc: Loc, name: str) -> None:
        if name not in channels:
            hint = difflib.get_close_matches(name, sorted(channels), n=1)
            guess = f'did you mean "{hint[0]}"? ' if hint else ""
            problems.append(located.problem(loc, f'"{name}" is not a configured channel '
                                                 f"({guess}configured under channels: "
                                                 f"{', '.join(sorted(channels)) or 'none'})"))

    def template(loc: Loc, value: Template | None) -> None:
        texts = {(): value} if isinstance(value, str) else {
            (lang,): text for lang, text in (value or {}).items()}
        for sub, text in texts.items():
            if text is not None and (why := check(text)):
                problems.append(located.problem((*loc, *sub), why))

    def field(loc: Loc, entity: Entity | None, name: str) -> None:
        if entity is not None and name not in _CONTEXT_KEYS and _is_unknown_field(entity, name):
            problems.append(located.problem(loc, _unknown_field(entity, name)))

    for i, rule in enumerate(config.rules):
        base: Loc = ("rules", i)
        entity = rule.when.entity
        if rule.when.field is not None:
            field((*base, "when", "field"), entity, rule.when.field)
        for name in rule.where:
            field((*base, "where", name), entity, name)
        for j, action in enumerate(rule.then):
            at: Loc = (*base, "then", j)
            if action.notify is not None:
                for k, name in enumerate(action.notify.channels):
                    channel((*at, "notify", "channels", k), name)
                template((*at, "notify", "template"), action.notify.template)
                template((*at, "notify", "title"), action.notify.title)
            if action.set is not None:
                target = {"self": entity, "tasks": Entity.task,
                          "project": Entity.project}[action.set.target]
                for name in [*action.set.fields, *action.set.where]:
                    field((*at, "set", "fields", name), target, name)
            if action.create_task is not None:
                if action.create_task.connector not in connector_ids:
                    problems.append(located.problem(
                        (*at, "create_task", "connector"),
                        _unknown_connector(action.create_task.connector, connector_ids)))
                template((*at, "create_task", "title"), action.create_task.title)
    for i, digest in enumerate(config.digests.targets):
        for k, name in enumerate(digest.channels):
            channel(("digests", "targets", i, "channels", k), name)
    return sorted(problems, key=lambda p: p.line or 0)
