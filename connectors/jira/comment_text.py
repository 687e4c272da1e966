"""Jira comment bodies (ADF) to the hub's comment text and back, mentions and links kept.

Text form: `hub.mapping.adf`'s, where a link reads `[text](url)` (the bare URL when its text
is the URL) and a mention reads `@Name`. Text -> ADF -> text gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from hub.mapping.adf import adf_to_text, text_to_adf

_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<url>https?://[^)\s]+)\)|(?P<bare>https?://[^\s)\]]+)")


def adf_comment_text(document: Any) -> tuple[str, list[tuple[str, str]]]:
    """The text of a comment body, and its mentions as (`@Name`, account id) pairs."""
    mentions: list[tuple[str, str]] = []
    return adf_to_text(_plain(document, mentions)) or "", mentions


def _plain(node: Any, mentions: list[tuple[str, str]]) -> Any:
    """The document with links written out as text and mentions collected."""
    if isinstance(node, list):
        return [_plain(n, mentions) for n in node]
    if not isinstance(node, Mapping):
        return node
    if node.get("type") == "text":
        href = next((str((m.get("attrs") or {}).get("href") or "") for m in node.get("marks") or []
                     if isinstance(m, Mapping) and m.get("type") == "link"), "")
        text = str(node.get("text", ""))
        if href:
            text = href if text == href else f"[{text}]({href})"
        return {"type": "text", "text": text}
    if node.get("type") == "mention":
        attrs = node.get("attrs") or {}
        name = str(attrs.get("text") or "").strip()
        if not name.startswith("@"):
            name = "@" + name
        mentions.append((name, str(attrs.get("id") or "")))
        return {"type": "text", "text": name}
    return {k: (_plain(v, mentions) if k == "content" else v) for k, v in node.items()}


def comment_adf(text: str, mentions: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """An ADF body for comment text: links as link marks, each `@Name` of `mentions` (with an
    account id) as a mention."""
    document = text_to_adf(text) or {"type": "doc", "version": 1, "content": []}
    known = {name if name.startswith("@") else "@" + name: account
             for name, account in mentions if account}
    rich: dict[str, Any] = _rich(document, known)
    return rich


def _rich(node: Any, mentions: dict[str, str]) -> Any:
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            rich = _rich(item, mentions)
            out.extend(rich if isinstance(rich, list) and isinstance(item, Mapping) else [rich])
        return out
    if not isinstance(node, Mapping):
        return node
    if node.get("type") == "text":
        return _inline(str(node.get("text", "")), mentions)
    return {k: (_rich(v, mentions) if k == "content" else v) for k, v in node.items()}


def _inline(text: str, mentions: dict[str, str]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    at = 0
    for found in _LINK.finditer(text):
        nodes += _mentioned(text[at:found.start()], mentions)
        url = found.group("url") or found.group("bare")
        label = found.group("text") or url
        nodes.append({"type": "text", "text": label,
                      "marks": [{"type": "link", "attrs": {"href": url}}]})
        at = found.end()
    nodes += _mentioned(text[at:], mentions)
    return nodes


def _mentioned(text: str, mentions: dict[str, str]) -> list[dict[str, Any]]:
    if not text:
        return []
    if not mentions:
        return [{"type": "text", "text": text}]
    names = sorted(mentions, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in names))
    nodes: list[dict[str, Any]] = []
    at = 0
    for found in pattern.finditer(text):
        if found.start() > at:
            nodes.append({"type": "text", "text": text[at:found.start()]})
        nodes.append({"type": "mention", "attrs": {"id": mentions[found.group(0)],
                                                   "text": found.group(0)}})
        at = found.end()
    if at < len(text):
        nodes.append({"type": "text", "text": text[at:]})
    return nodes
