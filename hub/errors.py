"""Typed errors that say what to do next.

Connectors raise `Retriable` or `Permanent`; configuration problems are
`ConfigError` with the file, line and YAML path of the offending value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class Retriable(HubError):
    """A failure that may go away: rate limit, 5xx, timeout, network error.

    `retry_after` is the delay in seconds the tool asked for, if it said one.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class NotYet(Retriable):
    """Nothing failed: the tool's data isn't ready to read (a file still being copied). The job
    is tried again later and the wait is noted, not logged as a failure."""


class Permanent(HubError):
    """A refusal that retrying will not change: invalid transition, missing permission.

    `reason` is the tool's own words, so a person can act on it.
    """

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class PartlyApplied(HubError):
    """A poll whose independent parts (a finance connector's sources) went different ways: the
    parts in `applied` were read and committed; those in `failed`, each with its error, changed
    nothing and are read again at the next poll. Raised after the poll's last page."""

    def __init__(self, failed: Mapping[str, HubError], applied: Sequence[str]) -> None:
        self.failed = dict(failed)
        self.applied = list(applied)
        done = f" ({', '.join(self.applied)} applied)" if self.applied else ""
        super().__init__("; ".join(f"{part}: {error}" for part, error in self.failed.items())
                         + done)

    @property
    def waiting(self) -> bool:
        """Whether every failed part is only not ready yet (a file still being copied)."""
        return all(isinstance(error, NotYet) for error in self.failed.values())


class AuthenticationFailed(Permanent):
    """The tool refused the credentials (401/403 on a check)."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration or mapping file."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(HubError):
    """A configuration that can't be used; carries every problem found, one line each."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, path: str, message: str, line: int | None = None) -> ConfigError:
        """Build an error for one problem."""
        return cls([ConfigProblem(file=file, line=line, path=path, message=message)])
