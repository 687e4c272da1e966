"""Statements planned with their values, every time.

psycopg prepares a statement on the server once it ran 5 times on a connection, and
PostgreSQL then may switch to a generic plan, made without the values. For a filtered page
that is a guess at how many rows match: a title search that takes 7 ms planned for its
pattern took 60 ms generic, walking the whole id index in the hope of 51 early matches.
Statements marked `PLAN_WITH_VALUES` are sent unprepared; planning them costs well under a
millisecond.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

#: the execution option that marks a statement (`.execution_options(**PLAN_WITH_VALUES)`)
PLAN_WITH_VALUES = {"hub_plan_with_values": True}


def plan_with_values(engine: Engine) -> None:
    """Send the marked statements of `engine` unprepared (psycopg; other drivers don't
    prepare on their own)."""
    if engine.dialect.driver != "psycopg" or event.contains(engine, "do_execute", _unprepared):
        return
    event.listen(engine, "do_execute", _unprepared)


def _unprepared(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    if not context.execution_options.get("hub_plan_with_values"):
        return None  # SQLAlchemy executes it as usual
    cursor.execute(statement, parameters, prepare=False)
    return True
