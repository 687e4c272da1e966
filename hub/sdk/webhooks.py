"""Reading a webhook's body at the intake edge: a pydantic model says what the tool always
sends, and anything else is `WebhookMalformed` with a sentence naming what is wrong and where.

The JSON is read by pydantic's own parser, which has a depth limit (a body nested 100,000 deep
is refused, not a crash) and checks numbers against the model (a timestamp of 1e300 is not a
time). Models should allow extra fields: tools add fields without notice.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.sdk.connector import WebhookMalformed

M = TypeVar("M", bound=BaseModel)

#: pydantic's error types in words a person who knows JSON reads
_EXPECTED = {
    "model_type": "should be an object", "dict_type": "should be an object",
    "list_type": "should be a list", "string_type": "should be a string",
    "int_type": "should be a whole number", "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number", "float_type": "should be a number",
    "float_parsing": "should be a number", "bool_type": "should be true or false",
    "finite_number": "should be a finite number",
}


def read_body(model: type[M], body: bytes, tool: str) -> M:
    """`body` as `model`; `WebhookMalformed` naming the first problems otherwise."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise WebhookMalformed(describe(exc, tool)) from None


_OBJECT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


def json_object(body: bytes, tool: str) -> dict[str, Any]:
    """`body` as a JSON object, for connectors that read deliveries by path rather than by
    model; `WebhookMalformed` for anything else (text, a list, JSON nested past any delivery)."""
    try:
        return _OBJECT.validate_json(body)
    except ValidationError as exc:
        raise WebhookMalformed(describe(exc, tool)) from None


def describe(exc: ValidationError, tool: str) -> str:
    """A validation error of a delivery as one sentence."""
    errors = exc.errors(include_url=False)
    if errors and errors[0]["type"] == "json_invalid":
        detail = str(errors[0].get("ctx", {}).get("error", errors[0]["msg"]))
        if "recursion limit" in detail:
            return "the body is JSON nested deeper than any delivery is (refused unread)"
        return f"the body is not JSON ({detail})"
    problems = [_problem(e) for e in errors[:3]]
    more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
    return f"not a {tool} delivery: {'; '.join(problems)}{more}"


def _problem(error: Any) -> str:
    where = _where(error["loc"]) or "the body"
    kind = error["type"]
    if kind == "missing":
        return f"{where} is missing"
    if kind in _EXPECTED:
        return f"{where} {_EXPECTED[kind]} (found {_shown(error.get('input'))})"
    if kind in ("int_parsing_size", "greater_than_equal", "less_than_equal", "greater_than",
                "less_than"):
        return f"{where} is out of range ({_shown(error.get('input'))})"
    return f"{where}: {error['msg']}"


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return f"`{out}`" if out else ""


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
