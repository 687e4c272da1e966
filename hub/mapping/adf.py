"""Atlassian Document Format (Jira's rich text) to plain text and back.

Text form: blocks (paragraphs, headings, lists, code) separated by a blank line, hard breaks as
newlines, list items as `- ` (or `1. `) lines with nested content indented by two spaces.
`text_to_adf` reads that form back, so text -> ADF -> text gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_ORDERED = re.compile(r"\d+\. ")
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


def adf_to_text(document: Any) -> str | None:
    """Plain text of an ADF document. Plain strings pass through (Jira's v2 API sends those)."""
    if document is None or isinstance(document, str):
        return document
    if not isinstance(document, Mapping) or document.get("type") != "doc":
        raise ValueError('is not an Atlassian document (expected {"type": "doc", ...})')
    return "\n\n".join(_blocks(document.get("content") or []))


def _blocks(nodes: list[Any]) -> list[str]:
    """Each block node rendered; empty paragraphs (blank lines in the editor) dropped."""
    return [text for node in nodes if (text := _block(node))]


def _block(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    kind, content = node.get("type"), node.get("content") or []
    if kind in ("bulletList", "orderedList"):
        start = (node.get("attrs") or {}).get("order", 1)
        lines = []
        for number, item in enumerate(content, start=start if isinstance(start, int) else 1):
            marker = f"{number}. " if kind == "orderedList" else "- "
            body = "\n".join(_blocks(item.get("content") or []) if isinstance(item, Mapping)
                             else [])
            first, *rest = body.split("\n")
            lines.append(marker + first)
            lines += ["  " + line for line in rest]
        return "\n".join(lines)
    if kind == "table":
        rows = [" | ".join(_inline_of(cell) for cell in row.get("content") or [])
                for row in content if isinstance(row, Mapping)]
        return "\n".join(rows)
    if kind in ("blockquote", "panel", "expand", "nestedExpand", "layoutSection",
                "layoutColumn", "listItem", "tableCell", "tableHeader"):
        return "\n\n".join(_blocks(content))
    if kind in ("rule", "mediaSingle", "mediaGroup", "media"):
        return ""
    return _inline(content).strip("\n")


def _inline_of(node: Any) -> str:
    return " ".join(_blocks(node.get("content") or [])) if isinstance(node, Mapping) else ""


def _inline(nodes: list[Any]) -> str:
    parts = []
    for node in nodes:
        if not isinstance(node, Mapping):
            continue
        kind, attrs = node.get("type"), node.get("attrs") or {}
        if kind == "text":
            parts.append(str(node.get("text", "")))
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind == "mention":
            parts.append(str(attrs.get("text") or "@" + str(attrs.get("id", ""))))
        elif kind == "emoji":
            parts.append(str(attrs.get("text") or attrs.get("shortName", "")))
        elif kind in ("inlineCard", "blockCard"):
            parts.append(str(attrs.get("url", "")))
        elif kind in ("date", "status"):
            parts.append(str(attrs.get("text") or attrs.get("timestamp", "")))
        else:
            parts.append(_inline(node.get("content") or []))
    return "".join(parts)


def text_to_adf(text: Any) -> dict[str, Any] | None:
    """A valid ADF document for plain text: paragraphs (with hard breaks) and lists."""
    if text is None:
        return None
    blocks = _BLANK_LINES.split(str(text).replace("\r\n", "\n").strip("\n"))
    return {"type": "doc", "version": 1,
            "content": [_top(block) for block in blocks if block.strip()]}


def _top(block: str) -> dict[str, Any]:
    """A list when every line is an item or its continuation, else one paragraph: blocks are
    separated by blank lines in the text form, so a list inside a block is literal text."""
    lines = block.split("\n")
    marker = _marker(lines[0])
    if marker and all(_marker(line) == marker or line.startswith("  ") for line in lines):
        return _list(lines, marker)
    return _paragraph(lines)


def _parse(block: str) -> list[dict[str, Any]]:
    """Block nodes for lines without blank lines: runs of list lines and of paragraph lines."""
    nodes: list[dict[str, Any]] = []
    lines = block.split("\n")
    i = 0
    while i < len(lines):
        marker = _marker(lines[i])
        j = i + 1
        if marker:
            while j < len(lines) and (lines[j].startswith("  ") or _marker(lines[j]) == marker):
                j += 1
            nodes.append(_list(lines[i:j], marker))
        else:
            while j < len(lines) and not _marker(lines[j]):
                j += 1
            nodes.append(_paragraph(lines[i:j]))
        i = j
    return nodes


def _marker(line: str) -> str:
    if line.startswith("- "):
        return "- "
    return "1. " if _ORDERED.match(line) else ""


def _list(lines: list[str], marker: str) -> dict[str, Any]:
    items: list[list[str]] = []
    for line in lines:
        if _marker(line) == marker and not line.startswith("  "):
            items.append([line.split(" ", 1)[1]])
        else:
            items[-1].append(line[2:])
    node: dict[str, Any] = {
        "type": "bulletList" if marker == "- " else "orderedList",
        "content": [{"type": "listItem", "content": _parse("\n".join(item))} for item in items]}
    start = int(lines[0].split(".", 1)[0]) if marker != "- " else 1
    if start != 1:
        node["attrs"] = {"order": start}
    return node


def _paragraph(lines: list[str]) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for n, line in enumerate(lines):
        if n:
            content.append({"type": "hardBreak"})
        if line:
            content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}
