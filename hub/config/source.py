"""YAML read with the line of every value, and `${VAR}` / `${VAR:-default}` from the environment.

Errors found later (by pydantic) are turned back into `file:line path` through `Located.line`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.errors import ConfigError, ConfigProblem

Loc = tuple[str | int, ...]
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Located:
    """Plain YAML data plus the 1-based line of every key and value in it."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    interpolated: set[Loc] = field(default_factory=set)

    def line(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest ancestor that has one."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None

    def problem(self, loc: Loc, message: str) -> ConfigProblem:
        """A problem at `loc`, with its line."""
        return ConfigProblem(self.file, self.line(loc), format_loc(loc), message)


def format_loc(loc: Loc) -> str:
    """`('connectors', 'rd-jira', 'poll', 'every')` -> `connectors.rd-jira.poll.every`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: Path, env: Mapping[str, str] | None = None) -> Located:
    """Read a YAML file into plain data with line numbers, interpolating the environment."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.single(name, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.single(name, "", f"cannot be read: {exc}") from None
    return parse_yaml(text, name, os.environ if env is None else env)


def parse_yaml(text: str, name: str, env: Mapping[str, str]) -> Located:
    """Parse YAML text; see `read_yaml`."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        lines = text.splitlines()
        bad_line = lines[mark.line] if mark and mark.line < len(lines) else ""
        # `{key: ${VAR}}` is the usual culprit: the `{` of `${` opens a flow mapping.
        hint = ' (inside {...} or [...], quote variables: "${VAR}")' if "${" in bad_line else ""
        raise ConfigError.single(name, "", f"is not valid YAML: {exc.problem}{hint}",
                                 line) from None
    located = Located(file=name, data=None)
    problems: list[ConfigProblem] = []
    if node is not None:
        located.data = _build(node, (), located, env, problems)
    if problems:
        raise ConfigError(problems)
    return located


def _build(node: yaml.Node, loc: Loc, out: Located, env: Mapping[str, str],
           problems: list[ConfigProblem]) -> Any:
    out.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            child = (*loc, key)
            if key in result:
                problems.append(ConfigProblem(out.file, key_node.start_mark.line + 1,
                                              format_loc(child), "is given twice"))
            out.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, out, env, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), out, env, problems) for i, item in enumerate(node.value)]
    value = _scalar(node)
    if isinstance(value, str) and "${" in value:
        out.interpolated.add(loc)
        return _interpolate(value, loc, out, env, problems, node.start_mark.line + 1)
    return value


def _interpolate(value: str, loc: Loc, out: Located, env: Mapping[str, str],
                 problems: list[ConfigProblem], line: int) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        problems.append(ConfigProblem(
            out.file, line, format_loc(loc),
            f"${{{name}}} is not set in the environment "
            f"(export {name}=..., or write ${{{name}:-default}})"))
        return ""

    return _VAR.sub(replace, value)


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar from a composed node, with YAML's safe types (int, bool, date...)."""
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
