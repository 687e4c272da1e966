"""Checks a sandbox's answers against the tool's official API description
(/work/shared/specs/, found through HUB_SPECS_DIR or beside the checkout): each answer must
validate against the response schema its operation declares for its status, with
openapi-schema-validator (OpenAPI 3.0 and 3.1 dialects, `$ref`s resolved in the document).

`Recorder` keeps every answer a connector's client receives, so a test can run the connector's
verbs against the sandbox and then check exactly the routes the connector uses: a route the
connector starts using is checked from then on.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, OAS31Validator


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


class OpenApi:
    """One official API description, for checking answers against it."""

    def __init__(self, document: dict[str, Any], base_path: str = "") -> None:
        self.document = _nullable_all_of(document)
        self.base_path = base_path
        self.version = str(document.get("openapi", "3.0"))
        self._templates = [(self._pattern(t), t) for t in document.get("paths", {})]

    @staticmethod
    def _pattern(template: str) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}]+\})", template)
        return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p)
                                  for p in parts) + "$")

    def template(self, path: str) -> str | None:
        """The documented path `path` is an instance of (the most specific one)."""
        local = path.removeprefix(self.base_path) if self.base_path else path
        found = [t for pattern, t in self._templates if pattern.match(local)]
        return max(found, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)), default=None)

    def response_schema(self, method: str, template: str, status: int) -> dict[str, Any] | None:
        """The JSON schema the description gives that answer; None if it documents no body."""
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            raise LookupError(f"{method} {template} is not documented")
        responses = {str(k): v for k, v in operation.get("responses", {}).items()}  # YAML: 200
        response = next((responses[k] for k in (str(status), f"{str(status)[0]}XX", "default")
                         if k in responses), None)
        if response is None:
            raise LookupError(f"{method} {template} documents no {status} answer "
                              f"(documented: {', '.join(map(str, responses))})")
        response = self._resolve(response)
        content = response.get("content") or {}
        media = next((m for m in content if "json" in m), None)
        schema = content[media].get("schema") if media else None
        return schema if isinstance(schema, dict) else None

    def _resolve(self, value: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in value:
            node: Any = self.document
            for part in value["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            value = node
        return value

    def problems(self, answer: Answer, known: Mapping[str, str] | None = None) -> list[str]:
        """What is wrong with `answer` by the description, one line each. `known`: where the
        description is wrong about the real tool, left out: a regex of "<path template>
        <place in the answer>" (e.g. `^/events data/\\d+/parent$`) -> why."""
        template = self.template(answer.path)
        if template is None:
            return [f"{answer}: the path is not documented"]
        try:
            schema = self.response_schema(answer.method, template, answer.status)
        except LookupError as exc:
            return [f"{answer}: {exc}"]
        if schema is None or answer.body is None:
            return []
        # The schema with the document's components beside it: its `#/components/...`
        # references resolve against this root.
        root = {**schema, "components": self.document.get("components", {})}
        validator_class = OAS31Validator if self.version.startswith("3.1") \
            else OAS30ReadValidator
        errors: list[ValidationError] = sorted(
            validator_class(root).iter_errors(answer.body), key=lambda e: list(e.path))
        found = []
        for error in errors:
            where = "/".join(map(str, error.absolute_path))
            if not any(re.search(pattern, f"{template} {where}") for pattern in known or {}):
                found.append(f"{answer} ({template}): at {where or 'top'}: "
                             f"{error.message[:300]}")
        return found


def _nullable_all_of(node: Any) -> Any:
    """The document with OpenAPI 3.0's `allOf: [{$ref: X}, {nullable: true}]` read as its
    authors mean it, "an X or null" (a validator applies `nullable` to its own branch only,
    and the $ref'd branch then refuses null; Asana's description says so in words)."""
    if isinstance(node, list):
        return [_nullable_all_of(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _nullable_all_of(value) for key, value in node.items()}
    branches = out.get("allOf")
    if isinstance(branches, list) and any(isinstance(b, dict) and b.get("nullable")
                                          for b in branches):
        return {"anyOf": [{"enum": [None]}, out]}
    return out


@cache
def spec(name: str, base_path: str = "") -> OpenApi:
    """The official description `name` (a file in the specs folder); the test is skipped where
    the folder isn't there."""
    path = specs_dir() / name
    if not path.exists():
        pytest.skip(f"{path} is not on this machine (set HUB_SPECS_DIR)")
    with path.open("rb") as handle:
        document = json.load(handle) if path.suffix == ".json" else \
            yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return OpenApi(document, base_path)


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

    def routes(self, api: OpenApi) -> set[str]:
        """The documented operations answered, as "METHOD template"."""
        return {f"{a.method} {api.template(a.path)}" for a in self.answers}

    def __iter__(self) -> Iterator[Answer]:
        return iter(self.answers)
