"""Checking a sandbox against the tool's official OpenAPI description: every request it served
must be an operation the description has (path, method, declared query parameters, required
ones present), and every JSON answer of that operation must match its response schema.

    spec = OpenApiSpec.load(Path("shared/specs/trello-openapi.json"),
                            server_prefix="/1", ignore_params={"key", "token"})
    app = SpecRecorder(sandbox.app, spec)        # serve this instead of sandbox.app
    ...                                          # run the connector against it
    assert app.violations == []

A test can also check answers a client received (`answer_problems`), leaving out where the
description is known to be wrong about the real tool. Needs `jsonschema-rs` (a test
dependency) and reads OpenAPI 3.0 and 3.1, in JSON or YAML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_METHODS = ("get", "put", "post", "delete", "patch", "head")


def _openapi30_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, recursively."""
    if isinstance(node, list):
        return [_openapi30_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi30_to_jsonschema(v) for k, v in node.items()
           if k not in ("nullable", "example", "x-nullable")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) \
            else [*out["type"], "null"]
    branches = node.get("allOf")
    if isinstance(branches, list) and any(isinstance(b, dict) and b.get("nullable")
                                          for b in branches):
        # `allOf: [{$ref: X}, {nullable: true}]` means "an X or null", as its authors say
        # (a validator would apply `nullable` to its own branch only)
        return {"anyOf": [{"type": "null"}, out]}
    return out


@dataclass
class Operation:
    """One path and method of the description."""

    template: str
    method: str
    pattern: re.Pattern[str]
    query: set[str]
    required: set[str]
    responses: dict[str, Any]


@dataclass
class OpenApiSpec:
    """The operations of a description, ready to match requests against."""

    operations: list[Operation]
    components: dict[str, Any]
    server_prefix: str = ""
    ignore_params: set[str] = field(default_factory=set)
    version: str = "3.0"
    _validators: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, *, server_prefix: str = "",
             ignore_params: Iterable[str] = ()) -> OpenApiSpec:
        """Read an OpenAPI 3.0 or 3.1 file, JSON or YAML."""
        with path.open("rb") as handle:
            doc = json.load(handle) if path.suffix == ".json" else \
                yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
        version = str(doc.get("openapi", "3.0"))
        ops: list[Operation] = []
        for template, item in doc["paths"].items():
            shared = item.get("parameters", [])
            for method in _METHODS:
                if method not in item:
                    continue
                params = [_deref(doc, p) for p in [*shared, *item[method].get("parameters", [])]]
                query = {p["name"] for p in params if p.get("in") == "query"}
                required = {p["name"] for p in params if p.get("in") == "query"
                            and p.get("required")}
                regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template.rstrip("/")))
                responses = {str(k): v for k, v in item[method].get("responses", {}).items()}
                ops.append(Operation(template, method.upper(), re.compile(f"^{regex}/?$"), query,
                                     required, responses))
        # Literal segments beat parameters: /boards/{id}/cards before /boards/{id}/{field}.
        ops.sort(key=lambda o: (o.template.count("{"), -len(o.template)))
        components = doc.get("components", {})
        return cls(ops, components if version.startswith("3.1") else
                   _openapi30_to_jsonschema(components), server_prefix, set(ignore_params),
                   version)

    def find(self, method: str, path: str) -> Operation | None:
        """The operation serving `method path` (the server prefix taken off)."""
        path = path.removeprefix(self.server_prefix) or "/"
        return next((o for o in self.operations
                     if o.method == method and o.pattern.match(path)), None)

    def check_request(self, method: str, path: str, query: str) -> list[str]:
        """What is wrong with a request, by the description."""
        op = self.find(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the description"]
        given = {k for k, _ in parse_qsl(query, keep_blank_values=True)} - self.ignore_params
        problems = [f"{method} {op.template}: query parameter {p!r} is not in the description"
                    for p in sorted(given - op.query)]
        problems += [f"{method} {op.template}: required query parameter {p!r} is missing"
                     for p in sorted(op.required - given)]
        return problems

    def check_response(self, method: str, path: str, status: int, body: bytes) -> list[str]:
        """What is wrong with an answer, by the operation's response schema (JSON only)."""
        op = self.find(method, path)
        if op is None or not body or self._schema(op, status) is None:
            return []
        try:
            data = json.loads(body)
        except ValueError:
            return [f"{method} {op.template} {status}: the answer is not JSON"]
        return self.answer_problems(method, path, status, data)

    def answer_problems(self, method: str, path: str, status: int, data: Any,
                        known: Mapping[str, str] | None = None) -> list[str]:
        """What is wrong with an answer a client received (`data`: its JSON, None for none).
        `known`: where the description is wrong about the real tool, left out: a regex of
        "<path template> <place in the answer>" (e.g. `^/events data/\\d+/parent$`) -> why."""
        op = self.find(method, path)
        if op is None:
            return [f"{method} {path}: the path is not documented"]
        schema = self._schema(op, status)
        if schema is None:
            documented = ", ".join(op.responses)
            return [f"{method} {op.template} documents no {status} answer "
                    f"(documented: {documented})"] if not self._response(op, status) else []
        if data is None:
            return []
        found = []
        for error in self._validator(op, str(status), schema).iter_errors(data):
            where = "/".join(str(p) for p in error.instance_path)
            if not any(re.search(pattern, f"{op.template} {where}") for pattern in known or {}):
                found.append(f"{method} {op.template} {status}: at {where or 'top'}: "
                             f"{error.message[:300]}")
        return found

    def _response(self, op: Operation, status: int) -> dict[str, Any] | None:
        code = str(status)
        spec = next((op.responses[k] for k in (code, f"{code[0]}XX", "default")
                     if k in op.responses), None)
        return self._resolve(spec) if isinstance(spec, dict) else None

    def _schema(self, op: Operation, status: int) -> dict[str, Any] | None:
        content = (self._response(op, status) or {}).get("content") or {}
        media = next((m for m in content if "json" in m), None)
        schema = content[media].get("schema") if media else None
        return schema if isinstance(schema, dict) else None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:  # a response kept in components/responses
            target: Any = {"components": self.components}
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def _validator(self, op: Operation, status: str, schema: dict[str, Any]) -> Any:
        import jsonschema_rs

        key = (op.method, op.template, status)
        if key not in self._validators:
            # Formats stay unchecked: tools write times their own way (Jira's `+0000` is not
            # RFC 3339) and their descriptions say `date-time` all the same.
            if self.version.startswith("3.1"):
                root = {**schema, "components": self.components}
                self._validators[key] = jsonschema_rs.Draft202012Validator(
                    root, validate_formats=False)
            else:
                root = {**_openapi30_to_jsonschema(schema), "components": self.components}
                self._validators[key] = jsonschema_rs.Draft4Validator(
                    root, validate_formats=False)
        return self._validators[key]


def _deref(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = doc
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return dict(target)


class SpecRecorder:
    """ASGI middleware noting every request and answer of the API that breaks the description
    (the sandbox's `/_sandbox` knobs are not the tool's API and are left out)."""

    def __init__(self, app: ASGIApp, spec: OpenApiSpec) -> None:
        self.app, self.spec = app, spec
        self.violations: list[str] = []
        self.checked = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], str(scope["path"])
        query = scope.get("query_string", b"").decode()
        # Answers are checked as JSON, so ask for them uncompressed.
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                      if k.lower() != b"accept-encoding"]}
        self.checked += 1
        self.violations += self.spec.check_request(method, path, query)
        status, chunks = [0], []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body") and 200 <= status[0] < 300:
                    self.violations += self.spec.check_response(method, path, status[0],
                                                                b"".join(chunks))
            await send(message)

        await self.app(scope, receive, record)
