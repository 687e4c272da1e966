"""Writes through the API: PATCH on projects and tasks (scope and role checks, the If-Match
precondition, validation, then the edit through the sync engine, which queues it for every
tool), and resolving conflicts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.answer import JSONAnswer
from hub.api.deps import forbid
from hub.api.patches import Patch
from hub.api.problems import ProblemError
from hub.api.resources import as_problems, etag, kinds
from hub.auth.principal import Principal
from hub.model.enums import Entity
from hub.query.conflicts import find_conflict
from hub.query.conflicts import render as render_conflict
from hub.query.params import ItemParams
from hub.query.records import find_row, get_record, make_view
from hub.query.scope import visible
from hub.store.auth import Role
from hub.store.sync import ConflictState
from hub.store.tables import RECORD_TABLES
from hub.sync.conflicts import ConflictError, resolve_conflict
from hub.sync.edits import (
    EDITABLE,
    EditRejected,
    Gone,
    StaleVersion,
    apply_edit,
    validate_patch,
    validate_value,
)
from hub.sync.runtime import Runtime

_ETAG = re.compile(r'^"(\d{1,18})"$')


def expected_version(if_match: str | None, current: int) -> int:
    """The version an If-Match names; 428 without one, 412 when it is not the current one."""
    if not if_match:
        raise ProblemError(428, 'send If-Match with the ETag from your GET (e.g. If-Match: '
                                f'"{current}"), so a change made meanwhile is not overwritten',
                           title="Precondition required")
    found = _ETAG.match(if_match.strip())
    if found is None:
        raise ProblemError(400, 'If-Match must be the ETag a GET answered with, e.g. "3" '
                                "(with the quotes)", title="Invalid request")
    version = int(found.group(1))
    if version != current:
        raise stale(current)
    return version


def stale(current: int) -> ProblemError:
    """412 for an edit based on an old version."""
    return ProblemError(412, f"the record changed since you read it (it is now at version "
                             f"{current}): read it again, re-apply your change and send "
                             f'If-Match: "{current}"', title="Precondition failed",
                        headers={"ETag": etag(current)}, current_version=current)


def patch_record(request: Request, session: Session, rt: Runtime | None, principal: Principal,
                 entity: Entity, record_id: str, if_match: str | None, body: Patch,
                 now: datetime) -> JSONResponse:
    """Apply a PATCH and answer with the record as it is now."""
    with as_problems():
        row = find_row(session, entity, principal, record_id)  # 404 before anything else
    forbid(principal.may_write, f"a {principal.role.value} token can only read")
    version = expected_version(if_match, int(row.version))
    try:
        changes = validate_patch(session, entity, body.changes())
    except EditRejected as exc:
        raise ProblemError(422, str(exc), title="Invalid field",
                           errors=[{"location": f"body.{exc.field}",
                                    "message": exc.message}]) from None
    session.rollback()  # end the reads: the edit starts with its compare-and-set
    scope = visible(entity, principal)
    try:
        apply_edit(session, rt, entity, row.id, changes, expected_version=version,
                   source=principal.source, now=now, scope=scope,
                   delivery=getattr(request.state, "request_id", None), actor=principal.actor)
    except StaleVersion as exc:
        raise stale(exc.current) from None
    except Gone:
        raise ProblemError(404, f"no {entity.value} {record_id!r}", title="Not found") from None
    table = RECORD_TABLES[entity]
    if principal.role is Role.department and session.scalar(
            select(table.id).where(table.id == row.id, scope)) is None:
        session.rollback()
        raise ProblemError(403, f"this change would move the {entity.value} out of department "
                                f"{principal.department!r}", title="Forbidden")
    session.commit()
    with as_problems():
        record, current = get_record(session, make_view(entity, principal, ItemParams()),
                                     row.id, kinds(request))
    return JSONAnswer(record, headers={"ETag": etag(current)})


def resolve(session: Session, rt: Runtime, principal: Principal, conflict_id: str,
            value: Any, side: str | None, has_value: bool) -> dict[str, Any]:
    """Resolve a conflict with a value or a side; the chosen value is pushed to every tool."""
    with as_problems():
        conflict = find_conflict(session, principal, conflict_id)  # 404 before anything else
    forbid(principal.may_write, f"a {principal.role.value} token can only read")
    forbid(principal.role is not Role.department or conflict.entity in EDITABLE,
           f"a department token can't decide {conflict.entity.value} values")
    if has_value == (side is not None):
        raise ProblemError(422, 'send either {"value": ...} or {"side": "<connector id>"}',
                           title="Invalid request body")
    if conflict.state is not ConflictState.open:
        raise ProblemError(409, f"this conflict was already resolved by "
                                f"{conflict.resolved_by}", title="Already resolved")
    sides = [str(c.get("source")) for c in conflict.candidates or []]
    if side is not None and side not in sides:
        raise ProblemError(422, f"{side!r} is not a side of this conflict (sides: "
                                f"{', '.join(sides)})", title="Invalid side")
    if has_value:
        try:
            value = validate_value(session, conflict.entity, conflict.field, value,
                                   shown="value")
        except EditRejected as exc:
            raise ProblemError(422, str(exc), title="Invalid value") from None
    try:
        resolved = resolve_conflict(rt, session, conflict.id, by=principal.source,
                                    value=value, side=side, actor=principal.actor)
    except ConflictError as exc:
        raise ProblemError(409, str(exc), title="Can't resolve") from None
    session.commit()
    return render_conflict(session, principal, [resolved])[0]
