"""Remote paths into a tool's JSON: `fields.status.name`, `a.b[0].c`, `a[*].email`,
`custom_fields[name=Jira key].text_value`.

Reading never fails: a path that isn't there yields `ABSENT`. Writing is only defined for paths
of plain keys, optionally with one `[*]` followed by keys (see `RemotePath.write`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final


class _Absent:
    """The marker for "the path is not in the payload" (distinct from a JSON null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class Key:
    """`.name`: a key of a JSON object."""

    name: str


@dataclass(frozen=True)
class Index:
    """`[3]` or `[-1]`: one element of a list."""

    position: int


@dataclass(frozen=True)
class Each:
    """`[*]`: every element of a list; the rest of the path is read from each."""


@dataclass(frozen=True)
class Select:
    """`[name=Jira key]`: the first list element whose `key` equals `text` (compared as text)."""

    key: str
    text: str


Step = Key | Index | Each | Select
_NAME = re.compile(r"[^.\[\]]+")
_INDEX = re.compile(r"-?\d+")


class PathSyntaxError(ValueError):
    """A path that can't be parsed; the message says where and why."""


@dataclass(frozen=True)
class RemotePath:
    """A parsed remote path. `str(path)` is the text it was parsed from."""

    text: str
    steps: tuple[Step, ...]
    _keys: tuple[str, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = [s.name for s in self.steps if isinstance(s, Key)]
        object.__setattr__(self, "_keys", tuple(keys) if len(keys) == len(self.steps) else None)

    def __str__(self) -> str:
        return self.text

    @property
    def writable(self) -> bool:
        """Keys only, or keys with one `[*]` followed by keys: what `write` can build."""
        each = [i for i, s in enumerate(self.steps) if isinstance(s, Each)]
        plain = all(isinstance(s, Key | Each) for s in self.steps)
        return plain and len(each) <= 1

    @property
    def is_simple(self) -> bool:
        """Only keys: the value read is one value, not a list gathered by `[*]` or picked."""
        return all(isinstance(s, Key) for s in self.steps)

    def read(self, payload: Any) -> Any:
        """The value at this path in `payload`, or `ABSENT`. `[*]` yields a list (flattened
        when the rest of the path has another `[*]`); elements lacking the rest are skipped."""
        if self._keys is None:
            return _walk(payload, self.steps)
        value = payload  # keys only (most paths): no step dispatch
        for key in self._keys:
            if type(value) is dict:
                value = value.get(key, ABSENT)
                if value is ABSENT:
                    return ABSENT
            elif isinstance(value, Mapping) and key in value:
                value = value[key]
            else:
                return ABSENT
        return value

    def write(self, value: Any) -> tuple[str, Any]:
        """The (remote path, value) an outbound patch carries for `value`.

        For `a.b` that is `("a.b", value)`. For `a[*].email` and a list of e-mails it is
        `("a", [{"email": e}, ...])`: the list goes to the path before `[*]`, each element
        rebuilt from the keys after it (`a[*]` writes the list as is).
        """
        if not self.writable:
            raise ValueError(f"{self.text} can't be written (only keys and one [*] are)")
        cut = next((i for i, s in enumerate(self.steps) if isinstance(s, Each)), None)
        if cut is None:
            return self.text, value
        head = self.text[:self.text.index("[*]")]
        keys = [s.name for s in self.steps[cut + 1:] if isinstance(s, Key)]
        items = value if isinstance(value, list) else [value]
        return head, [_nest(keys, item) for item in items]


def _nest(keys: list[str], value: Any) -> Any:
    for key in reversed(keys):
        value = {key: value}
    return value


def parse_path(text: str) -> RemotePath:
    """Parse `a.b[0].c`, `a[*].b`, `a[name=Jira key].b`; raise `PathSyntaxError` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("is empty")
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        if steps and text[pos] == ".":
            pos += 1
        name = _NAME.match(text, pos)
        if name is None:
            where = f'after "{text[:pos]}"' if pos else "at the start"
            raise PathSyntaxError(f"needs a key name {where}")
        if not name.group().strip():
            raise PathSyntaxError(f'has a blank key name after "{text[:pos]}"')
        steps.append(Key(name.group().strip()))
        pos = name.end()
        while pos < len(text) and text[pos] == "[":
            close = text.find("]", pos)
            if close < 0:
                raise PathSyntaxError(f'has an unclosed "[" after "{text[:pos]}"')
            steps.append(_bracket(text[pos + 1:close], text[:pos]))
            pos = close + 1
        if pos < len(text) and text[pos] != ".":
            raise PathSyntaxError(f'has "{text[pos]}" after "{text[:pos]}" (expected "." or "[")')
        if pos == len(text) - 1:
            raise PathSyntaxError('ends with "."')
    return RemotePath(text, tuple(steps))


def _bracket(inner: str, before: str) -> Step:
    if inner == "*":
        return Each()
    if _INDEX.fullmatch(inner.strip()):
        return Index(int(inner))
    key, equals, wanted = inner.partition("=")
    if equals and key.strip():
        return Select(key.strip(), wanted.strip())
    raise PathSyntaxError(f'has "[{inner}]" after "{before}" '
                          "(expected [0], [*] or [key=value])")


def _walk(value: Any, steps: tuple[Step, ...]) -> Any:
    for i, step in enumerate(steps):
        if isinstance(step, Key):
            if (type(value) is not dict and not isinstance(value, Mapping)) \
                    or step.name not in value:
                return ABSENT
            value = value[step.name]
        elif not isinstance(value, list):
            return ABSENT
        elif isinstance(step, Index):
            if not -len(value) <= step.position < len(value):
                return ABSENT
            value = value[step.position]
        elif isinstance(step, Select):
            value = next((e for e in value if isinstance(e, Mapping)
                          and step.key in e and _text(e[step.key]) == step.text), ABSENT)
            if value is ABSENT:
                return ABSENT
        else:
            rest = steps[i + 1:]
            flatten = any(isinstance(s, Each) for s in rest)
            found: list[Any] = []
            for element in value:
                item = _walk(element, rest)
                if item is ABSENT:
                    continue
                if flatten:
                    found.extend(item)
                else:
                    found.append(item)
            return found
    return value


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
