"""Numbers, money, dates and periods the way SAP and Excel write them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from connectors.excel.cells import (
    CellError,
    Style,
    parse_date,
    parse_money,
    parse_number,
    parse_period,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1.234,56-", "-1234.56"),
    ("(1,234.00)", "-1234.00"), ("-5", "-5"), ("\u22125,5", "-5.5"), ("1 234,56", "1234.56"),
    ("1'234.50", "1234.50"), ("12,5", "12.5"), ("0.125", "0.125"), ("1.234.567,89", "1234567.89"),
    ("1,234,567", "1234567"), ("+7", "7"), ("\uff11\uff12\uff13", "123"), (42, "42"),
    (35210.5, "35210.5"),
])
def test_numbers_in_every_notation(text: object, expected: str) -> None:
    assert parse_number(text, Style()) == Decimal(expected)


def test_an_ambiguous_number_follows_the_files_notation() -> None:
    german = Style()
    assert parse_number("1.234,56", german) == Decimal("1234.56")
    assert parse_number("1.234", german) == Decimal("1234")
    assert parse_number("1,234", Style(decimal="comma")) == Decimal("1.234")
    assert parse_number("1,234", Style()) == Decimal("1234")


@pytest.mark.parametrize("text", ["abc", "12,3,4", "1.2.3,4,5", "--", "1,23.4.5"])
def test_garbage_is_not_a_number(text: str) -> None:
    with pytest.raises(CellError):
        parse_number(text, Style())


def test_empty_cells_are_none() -> None:
    assert parse_number("", Style()) is None
    assert parse_number(None, Style()) is None
    assert parse_date("  ", Style()) is None


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("EUR 1.234,56", "1234.56", "EUR"), ("1.234,56 EUR", "1234.56", "EUR"),
    ("€1,234.56", "1234.56", "EUR"), ("1 234,56 €", "1234.56", "EUR"),
    ("￥1,200,000.00", "1200000.00", "CNY"), ("USD (5.00)", "-5.00", "USD"),
    ("100", "100.00", None), ("12.345", "12345.00", None),
])
def test_money_with_its_currency_in_the_cell(text: str, amount: str,
                                              currency: str | None) -> None:
    assert parse_money(text, Style()) == (Decimal(amount), currency)


def test_yen_means_what_the_source_says() -> None:
    assert parse_money("¥500", Style(yen="JPY")) == (Decimal("500.00"), "JPY")


@pytest.mark.parametrize(("value", "expected"), [
    ("31.12.2026", date(2026, 12, 31)), ("2026-12-31", date(2026, 12, 31)),
    ("31.12.26", date(2026, 12, 31)), ("12/31/2026", date(2026, 12, 31)),
    ("05/04/2026", date(2026, 4, 5)), ("2026年12月31日", date(2026, 12, 31)),
    ("20261231", date(2026, 12, 31)), (46387, date(2026, 12, 31)), ("46387", date(2026, 12, 31)),
    (datetime(2026, 12, 31, 13, 0), date(2026, 12, 31)),
    ("2026-12-31T10:00:00Z", date(2026, 12, 31)),
])
def test_dates_in_every_notation(value: object, expected: date) -> None:
    assert parse_date(value, Style()) == expected


def test_us_order_when_configured() -> None:
    assert parse_date("05/04/2026", Style(date_order="mdy")) == date(2026, 5, 4)


@pytest.mark.parametrize("text", ["31.02.2026", "tomorrow", "2026-13-01"])
def test_impossible_dates(text: str) -> None:
    with pytest.raises(CellError):
        parse_date(text, Style())


@pytest.mark.parametrize(("value", "expected"), [
    ("001.2026", "2026-01"), ("01.2026", "2026-01"), ("2026/01", "2026-01"),
    ("2026-1", "2026-01"), ("01/2026", "2026-01"), ("2026-Q1", "2026-Q1"), ("Q3 2026", "2026-Q3"),
    ("2026", "2026"), ("013.2026", "2026-P13"), ("2026年3月", "2026-03"), ("202603", "2026-03"),
    (date(2026, 3, 1), "2026-03"), (46082, "2026-03"), ("FY26 H1", "FY26 H1"),
])
def test_periods(value: object, expected: str) -> None:
    assert parse_period(value, Style()) == expected


def test_month_zero_is_no_period() -> None:
    with pytest.raises(CellError):
        parse_period("00.2026", Style())
