"""`column IN (ids)` for a page's worth of ids, in the form each database plans and binds
fastest: PostgreSQL takes one array parameter (`= ANY(:ids)`), not one bind per id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def among(session: Session, column: Any, ids: Sequence[str]) -> ColumnElement[bool]:
    """A condition true where `column` is one of `ids`."""
    if session.get_bind().dialect.name == "postgresql":
        values = bindparam(None, list(ids), type_=ARRAY(String))
        result: ColumnElement[bool] = column == any_(values)
        return result
    return column.in_(list(ids))  # type: ignore[no-any-return]
