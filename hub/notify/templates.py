# ruff: noqa: RUF001 - Chinese messages use Chinese punctuation
"""Message templates: Jinja2 in a sandbox (a template comes from config, so it may call nothing
but filters), in the recipient's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hub.config.rules import Language, Template

_ENV = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)

#: what a rule says when its config gives no template, per event and language
DEFAULTS: dict[str, dict[Language, tuple[str, str]]] = {
    "changed": {
        "en": ("{{ rule }}: {{ entity }} {{ name }}",
               "{{ entity }} {{ name }}: {{ field }} changed from {{ old }} to {{ new }}"),
        "zh": ("{{ rule }}：{{ name }}",
               "{{ name }} 的 {{ field }} 已从 {{ old }} 变为 {{ new }}"),
    },
    "created": {
        "en": ("{{ rule }}: new {{ entity }} {{ name }}", "New {{ entity }}: {{ name }}"),
        "zh": ("{{ rule }}：新建 {{ name }}", "新建了 {{ name }}"),
    },
    "deleted": {
        "en": ("{{ rule }}: {{ entity }} {{ name }} deleted", "{{ entity }} {{ name }} was "
                                                               "deleted"),
        "zh": ("{{ rule }}：{{ name }} 已删除", "{{ name }} 已被删除"),
    },
    "risk_raised": {
        "en": ("{{ rule }}: risk {{ risk }}", "{{ entity }} {{ name }} is at risk: {{ risk }}"),
        "zh": ("{{ rule }}：风险 {{ risk }}", "{{ name }} 出现风险：{{ risk }}"),
    },
    "risk_cleared": {
        "en": ("{{ rule }}: risk {{ risk }} cleared", "{{ entity }} {{ name }} is no longer at "
                                                      "risk: {{ risk }}"),
        "zh": ("{{ rule }}：风险 {{ risk }} 已解除", "{{ name }} 的风险已解除：{{ risk }}"),
    },
    "conflict_opened": {
        "en": ("{{ rule }}: conflict on {{ name }}", "Two tools disagree on {{ field }} of "
                                                     "{{ entity }} {{ name }}: a person decides"),
        "zh": ("{{ rule }}：{{ name }} 有冲突", "{{ name }} 的 {{ field }} 在两个工具中不一致，"
                                               "需要人工决定"),
    },
    "push_refused": {
        "en": ("{{ rule }}: {{ connector }} refused a change",
               "{{ connector }} refused the change to {{ entity }} {{ name }} for good: "
               "{{ reason }}"),
        "zh": ("{{ rule }}：{{ connector }} 拒绝了更改",
               "{{ connector }} 永久拒绝了对 {{ name }} 的更改：{{ reason }}"),
    },
    "connector_unhealthy": {
        "en": ("{{ rule }}: {{ connector }} is unhealthy",
               "{{ connector }} has failed for {{ minutes }} minutes: {{ reason }}"),
        "zh": ("{{ rule }}：{{ connector }} 异常",
               "{{ connector }} 已连续 {{ minutes }} 分钟失败：{{ reason }}"),
    },
}


class TemplateProblem(ValueError):
    """A template that does not render (an unknown variable, a syntax error)."""


def pick(template: Template | None, language: Language) -> str | None:
    """The text of `template` in `language` (English, or any, when it has no such text)."""
    if template is None or isinstance(template, str):
        return template
    return template.get(language) or template.get("en") or next(iter(template.values()), None)


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render one template text in the sandbox."""
    try:
        return _ENV.from_string(text).render(**context).strip()
    except TemplateError as exc:
        raise TemplateProblem(f"template {text[:60]!r} does not render: {exc}") from None


def check(text: str) -> str | None:
    """A sentence saying why `text` is not a template, or None (config validation)."""
    try:
        _ENV.parse(text)
    except TemplateError as exc:
        return f"is not a valid template: {exc}"
    return None
