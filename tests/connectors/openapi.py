"""Checks a sandbox's answers against the tool's official API description
(/work/shared/specs/, found through HUB_SPECS_DIR or beside the checkout), with the sandbox
kit's checker (`hub.testing.kit.openapi`): each answer must validate against the response
schema its operation declares for its status.

`Recorder` keeps every answer a connector's client receives, so a test can run the connector's
verbs against the sandbox and then check exactly the routes the connector uses: a route the
connector starts using is checked from then on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.testing.kit.openapi import OpenApiSpec


def specs_dir() -> Path:
    """Where the official descriptions are: HUB_SPECS_DIR, else shared/specs beside the
    checkout (the project's layout), else /work/shared/specs."""
    configured = os.environ.get("HUB_SPECS_DIR")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "specs"
        if candidate.is_dir():
            return candidate
    return Path("/work/shared/specs")


@dataclass(frozen=True)
class Answer:
    """One answer as a client received it."""

    method: str
    path: str
    status: int
    body: Any  # parsed JSON; None when the answer had none

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@cache
def spec(name: str, base_path: str = "") -> OpenApiSpec:
    """The official description `name` (a file in the specs folder); the test is skipped where
    the folder isn't there."""
    path = specs_dir() / name
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (set HUB_SPECS_DIR)")
    return OpenApiSpec.load(path, server_prefix=base_path)


def problems(api: OpenApiSpec, answer: Answer,
             known: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with `answer` by the description, one line each (`known`: see
    `OpenApiSpec.answer_problems`)."""
    return api.answer_problems(answer.method, answer.path, answer.status, answer.body, known)


class Recorder:
    """Keeps every answer an httpx client receives (attach it to the connector's client)."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []

    def attach(self, client: httpx.AsyncClient) -> None:
        """Record `client`'s answers from now on."""
        client.event_hooks["response"].append(self._record)

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        self.answers.append(Answer(response.request.method, response.request.url.path,
                                   response.status_code, body))

    def routes(self, api: OpenApiSpec) -> set[str]:
        """The documented operations answered, as "METHOD template"."""
        return {f"{a.method} {op.template}" for a in self.answers
                if (op := api.find(a.method, a.path)) is not None}

    def __iter__(self) -> Iterator[Answer]:
        return iter(self.answers)
