"""Coercion of remote values into canonical types, and the JSON form shadows are kept in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.mapping.values import CoercionError, FieldType, coerce, from_json, parse_type, to_json
from hub.model.enums import TaskStatus

STATUS = FieldType("enum", enum=TaskStatus, noun="task status")


@pytest.mark.parametrize(("field_type", "given", "expected"), [
    (FieldType("string"), "  Login fails ", "Login fails"),
    (FieldType("string"), 42, "42"),
    (FieldType("text"), "line 1\r\nline 2\n", "line 1\nline 2\n"),
    (FieldType("int"), "12", 12),
    (FieldType("int"), 3.0, 3),
    (FieldType("number"), "1234.50", Decimal("1234.50")),
    (FieldType("number"), 0.1, Decimal("0.1")),
    (FieldType("bool"), "Yes", True),
    (FieldType("bool"), 0, False),
    (FieldType("date"), "2024-05-01", date(2024, 5, 1)),
    (FieldType("date"), "2024-05-01T23:30:00+02:00", date(2024, 5, 1)),
    (FieldType("date"), datetime(2024, 5, 1, 9, tzinfo=UTC), date(2024, 5, 1)),
    (FieldType("datetime"), "2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
    (FieldType("datetime"), "2024-05-01T11:30:00+02:00",
     datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
    (STATUS, "in_review", TaskStatus.in_review),
    (FieldType("person"), " Ana.Silva@Example.COM ", "ana.silva@example.com"),
    (FieldType("string", many=True), "solo", ["solo"]),
    (FieldType("string", many=True), ["b", "a", "b"], ["b", "a", "b"]),
    (FieldType("person", many=True), ["Bo@x.com", "ana@x.com", "bo@X.com"],
     ["ana@x.com", "bo@x.com"]),
    (FieldType("string", many=True), None, []),
    (FieldType("date"), None, None),
])
def test_values_are_coerced_to_the_field_type(field_type: FieldType, given: Any,
                                              expected: Any) -> None:
    assert coerce(field_type, given) == expected


@pytest.mark.parametrize(("field_type", "given", "message"), [
    (FieldType("string"), {"name": "x"}, "is not a string (a mapping)"),
    (FieldType("string"), True, "is not a string"),
    (FieldType("int"), "12.5", "is not a whole number"),
    (FieldType("int"), True, "is not a whole number"),
    (FieldType("number"), "12,50", "is not a number"),
    (FieldType("number"), "NaN", "is not a finite number"),
    (FieldType("bool"), "maybe", "is not a yes/no value (expected true or false)"),
    (FieldType("date"), "tomorrow", "is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)"),
    (FieldType("datetime"), "2024-05-01T09:30:00",
     "has no time zone (write it with Z or an offset, or set tz: on the field)"),
    (FieldType("datetime"), 1714555800000,
     "is not a date-time (expected ISO 8601, e.g. 2024-05-01T09:30:00Z) "
     "(for epoch milliseconds use transform: epoch_ms_to_datetime)"),
    (STATUS, "In Progress", "is not a task status (expected one of: todo, in_progress, "
                            "blocked, in_review, done, cancelled)"),
    (FieldType("person"), "ana", "is not an e-mail address (expected exactly one @)"),
    (FieldType("person"), "a@b@c", "is not an e-mail address (expected exactly one @)"),
    (FieldType("person", many=True), ["a@x.com", "bob"],
     'has an item "bob" that is not an e-mail address (expected exactly one @)'),
])
def test_a_value_that_does_not_fit_says_why(field_type: FieldType, given: Any,
                                            message: str) -> None:
    with pytest.raises(CoercionError) as info:
        coerce(field_type, given)
    assert str(info.value) == message


def test_a_naive_datetime_takes_the_fields_time_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    moment = coerce(FieldType("datetime"), "2024-05-01T11:30:00", tz=berlin)
    assert moment == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)


def test_the_json_form_is_one_spelling_per_value() -> None:
    assert to_json(date(2024, 5, 1)) == "2024-05-01"
    assert to_json(datetime(2024, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))) == (
        "2024-05-01T09:30:00+00:00")
    assert to_json(Decimal("1234.50")) == to_json(Decimal("1234.5")) == "1234.5"
    assert to_json(Decimal("1E+2")) == "100"
    assert to_json(TaskStatus.done) == "done"
    assert to_json([date(2024, 1, 2), None]) == ["2024-01-02", None]


@pytest.mark.parametrize(("field_type", "value"), [
    (FieldType("date"), date(2024, 5, 1)),
    (FieldType("datetime"), datetime(2024, 5, 1, 9, 30, 15, 120000, tzinfo=UTC)),
    (FieldType("number"), Decimal("99.95")),
    (STATUS, TaskStatus.blocked),
    (FieldType("person", many=True), ["ana@x.com", "bo@x.com"]),
    (FieldType("string"), None),
])
def test_from_json_reads_back_what_to_json_wrote(field_type: FieldType, value: Any) -> None:
    assert from_json(field_type, to_json(value)) == value


def test_type_names_a_mapping_can_use() -> None:
    assert parse_type("date") == FieldType("date")
    assert parse_type("list") == FieldType("string", many=True)
    assert parse_type("list[person]") == FieldType("person", many=True)
    with pytest.raises(CoercionError, match="is not a type"):
        parse_type("enum")
