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
        raise ConfigError([syntax_problem(exc, text, name)]) from None
    located = Located(file=name, data=None)
    problems: list[ConfigProblem] = []
    if node is not None:
        located.data = _build(node, (), located, env, problems)
    if problems:
        raise ConfigError(problems)
    return located


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, name: str) -> ConfigProblem:
    """A YAML syntax error as one line: where the fix goes, what the parser met, and the usual
    cause (a tab, a missing space after a colon, an unquoted `: ` or `${VAR}`)."""
    mark = exc.problem_mark
    lines = text.splitlines()
    index = mark.line if mark else len(lines)
    problem = str(exc.problem or exc.context or "unreadable")
    at, hint = _syntax_hint(problem, lines, index)
    path = format_loc(_path_of_line(lines, at)) if at < len(lines) else ""
    return ConfigProblem(name, at + 1 if mark else None, path,
                         f"is not valid YAML: {problem}{hint}")


_NO_SPACE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w.-]*):([^\s/].*)$")
_KEY = re.compile(r"^(\s*)(?:-\s+)?([^\s#:][^:#]*?)\s*:(?:\s|$)")


def _syntax_hint(problem: str, lines: list[str], index: int) -> tuple[int, str]:
    """(the 0-based line to fix, a hint) for the usual causes of a YAML syntax error."""
    nearby = [i for i in range(index, max(index - 3, -1), -1) if i < len(lines)]
    for i in nearby:
        if "\t" in lines[i][:len(lines[i]) - len(lines[i].lstrip())]:
            return i, " (this line is indented with a tab: YAML indents with spaces only)"
    if "\t" in problem:
        return index, " (a tab where YAML expects spaces: replace it with spaces)"
    if index < len(lines) and "${" in lines[index] and "'{'" in problem:
        # `{key: ${VAR}}` is the usual culprit: the `{` of `${` opens a flow mapping.
        return index, ' (inside {...} or [...], quote variables: "${VAR}")'
    if "mapping values are not allowed" in problem or "could not find expected ':'" in problem:
        for i in nearby:
            found = _NO_SPACE.match(lines[i])
            if found and "://" not in lines[i]:
                key, value = found.groups()
                return i, (f' ("{key}:{value.strip()}" needs a space after the colon: '
                           f'"{key}: {value.strip()}")')
        for i in nearby[1:]:
            bare = lines[i].strip()
            if bare and ":" not in bare and not bare.startswith(("-", "#", "|", ">")):
                return i, f' ("{bare}" has no colon: a setting is written "key: value")'
        if index < len(lines) and lines[index].count(": ") > 1:
            return index, (" (a value that contains \": \" must be quoted: "
                           'key: "a: b")')
        return index, (" (check this line's indentation against the lines above, and that "
                       "each key is followed by a colon and a space)")
    if "found undefined alias" in problem or "cannot start any token" in problem:
        return index, " (values starting with *, &, @, ` or % must be quoted)"
    return index, ""


def _path_of_line(lines: list[str], index: int) -> Loc:
    """The YAML path a line is at, from the keys of the less indented lines above it."""
    path: list[str] = []
    width: int | None = None
    for line in reversed(lines[:index + 1]):
        found = _KEY.match(line)
        if not found or line.lstrip().startswith("#"):
            continue
        indent = len(found.group(1))
        if width is None or indent < width:
            path.insert(0, found.group(2).strip("'\" "))
            width = indent
            if indent == 0:
                break
    return tuple(path)


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
