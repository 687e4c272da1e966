"""What the record routes share: turning query errors into problems, and the answers of list
and get requests (with an ETag on single records)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from hub.api.answer import JSONAnswer
from hub.api.deps import release
from hub.api.problems import PROBLEM_RESPONSES, ProblemError
from hub.auth.policy import may_read
from hub.auth.principal import Principal
from hub.model.enums import Entity
from hub.query import params as p
from hub.query.pagination import BadQuery
from hub.query.records import NotFound, get_record, list_records, make_view

#: the problems list and get routes document
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    k: v for k, v in PROBLEM_RESPONSES.items() if k in (400, 401, 403, 404)}


def editable_responses(name: str, patch_operation: str) -> dict[int | str, dict[str, Any]]:
    """The answers of a get of a record that can be changed: its version as ETag, and how to
    change it (an OpenAPI link: the PATCH with that ETag as If-Match)."""
    return {**READ_RESPONSES, 200: {
        "description": "the record",
        "headers": {"ETag": {"description": 'its version, e.g. "3": send it as If-Match',
                             "schema": {"type": "string"}}},
        "links": {"change": {"operationId": patch_operation, "parameters": {
            name: "$response.body#/id", "if-match": "$response.header.ETag"}}}}}


@contextmanager
def as_problems() -> Iterator[None]:
    """Query errors as 400 (naming the parameter) and unknown records as 404."""
    try:
        yield
    except NotFound as exc:
        raise ProblemError(404, exc.message, title="Not found") from None
    except BadQuery as exc:
        raise ProblemError(400, f"{exc.param}: {exc.message}", title="Invalid request",
                           errors=[{"location": f"query.{exc.param}",
                                    "message": exc.message}]) from None


def kinds(request: Request) -> Mapping[str, str]:
    """Connector id -> kind, for `sources`."""
    return {cid: c.kind for cid, c in request.app.state.config.connectors.items()}


def etag(version: int) -> str:
    """A record's version as a strong ETag."""
    return f'"{version}"'


def listing(request: Request, session: Session, principal: Principal, entity: Entity,
            params: p.ListParams, clock: Callable[[], datetime]) -> JSONResponse:
    """A page of records as the answer of a list route."""
    with as_problems():
        view = make_view(entity, principal, params, listing=True)
        page = list_records(session, view, params, clock().date(), kinds(request))
    release(session)
    return JSONAnswer(page.as_json())


def reading(request: Request, session: Session, principal: Principal, entity: Entity,
            record_id: str, params: p.ItemParams) -> JSONResponse:
    """One record as the answer of a get route, with its ETag."""
    with as_problems():
        view = make_view(entity, principal, params)
        record, version = get_record(session, view, record_id, kinds(request))
    release(session)
    # The version is a field too: a role that can't read it gets no ETag (it can't write).
    readable = may_read(principal, entity, "version")
    return JSONAnswer(record, headers={"ETag": etag(version)} if readable else None)
