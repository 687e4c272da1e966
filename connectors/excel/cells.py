"""Cell values the way SAP and Excel write them, parsed into Python values.

Numbers: `1.234,56`, `1,234.56`, `1 234,56`, `1'234.56`, `1.234,56-` (SAP's trailing minus),
`(1,234.00)`, a Unicode minus sign and numbers from a workbook. Dates: `31.12.2026`,
`2026-12-31`, `12/31/2026`, `2026年12月31日`, `20261231`, date cells and Excel serial numbers.
Periods: `2026-01`, `001.2026` (SAP), `01/2026`, `2026-Q1`. Money may carry its currency in the cell
(`EUR 1.234,56`, `€1,234.56`, `1 234,56 €`, `¥1,234`).

Every parser raises `CellError` with a short reason ("is not a number"), which the table reader
turns into a quarantined row naming file, sheet, row and column. Nothing here knows about
budgets or people: column types are `text`, `number`, `money`, `int`, `date`, `period`,
`email` and `bool`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

ColumnType = Literal["text", "number", "money", "int", "date", "period", "email", "bool"]
DecimalStyle = Literal["auto", "comma", "point"]
DateOrder = Literal["auto", "dmy", "mdy", "ymd"]

#: currency symbols and local names -> ISO 4217 codes
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "CNY", "￥": "CNY", "元": "CNY",
           "RMB": "CNY", "CHF": "CHF", "Fr.": "CHF", "₹": "INR", "₩": "KRW", "kr": "SEK",
           "zł": "PLN", "Kč": "CZK"}
_CODE = re.compile(r"[A-Z]{3}")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_EPOCH_1904 = datetime(1904, 1, 1)
_CENT = Decimal("0.01")


class CellError(ValueError):
    """A cell that doesn't fit its column's type; the message is a predicate."""


@dataclass
class Style:
    """How one file writes its numbers and dates. `auto` settles on the first cell that shows
    it (a `1.234,56` decides comma) and then holds for the rest of the file."""

    decimal: DecimalStyle = "auto"
    date_order: DateOrder = "auto"
    epoch_1904: bool = False
    #: what `¥` means (CNY in China, JPY in Japan)
    yen: str = "CNY"


def normalise_text(value: Any) -> str:
    """A cell as trimmed text with Unicode compatibility forms folded (full-width digits)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


# -- numbers -------------------------------------------------------------------------------
def parse_number(value: Any, style: Style) -> Decimal | None:
    """A number cell as Decimal; None for an empty cell."""
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise CellError("is not a number (a yes/no value)")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("is not a finite number")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, datetime | date):
        raise CellError("is not a number (a date)")
    text = normalise_text(value).replace("\u2212", "-")
    if not text or text in ("-", "\u2013"):
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.endswith("-"):  # SAP: 1.234,56-
        negative, text = not negative, text[:-1].strip()
    elif text.startswith("-"):
        negative, text = not negative, text[1:].strip()
    elif text.startswith("+"):
        text = text[1:].strip()
    text = _SPACES.sub("", text)
    if not text or not re.fullmatch(r"[0-9.,]+", text) or not re.search(r"\d", text):
        raise CellError("is not a number")
    number = _digits(text, style)
    return -number if negative else number


def _digits(text: str, style: Style) -> Decimal:
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        _settle(style, "comma" if decimal_sep == "," else "point")
    elif dots > 1 or commas > 1:
        decimal_sep = "," if dots > 1 else "."  # repeated: it groups thousands
        _settle(style, "comma" if dots > 1 else "point")
    elif dots or commas:
        sep = "." if dots else ","
        whole, _, frac = text.partition(sep)
        if len(frac) != 3 or not whole or whole == "0":
            decimal_sep = sep  # 1,5 / 12.50 / 0.125 can only be decimals
            _settle(style, "point" if sep == "." else "comma")
        elif style.decimal == "auto":
            # 1.234 or 1,234: a thousands separator unless the file showed otherwise.
            decimal_sep = "," if sep == "." else "."
        else:
            decimal_sep = "," if style.decimal == "comma" else "."
    else:
        decimal_sep = "."
    group = "." if decimal_sep == "," else ","
    if group in text:
        whole = text.split(decimal_sep)[0]
        parts = whole.split(group)
        if any(len(p) != 3 for p in parts[1:]) or not parts[0]:
            raise CellError("is not a number (misplaced thousands separator)")
    cleaned = text.replace(group, "").replace(decimal_sep, ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise CellError("is not a number") from None


def _settle(style: Style, found: DecimalStyle) -> None:
    if style.decimal == "auto":
        style.decimal = found
    elif style.decimal != found:
        raise CellError(f"is not a number in this file's format (it writes decimals with a "
                        f"{'comma' if style.decimal == 'comma' else 'point'})")


def parse_money(value: Any, style: Style) -> tuple[Decimal | None, str | None]:
    """An amount and the currency written in the cell, if any; amounts keep two decimals."""
    currency = None
    if isinstance(value, str):
        text = normalise_text(value)
        text, currency = _strip_currency(text, style)
        value = text
    number = parse_number(value, style)
    if number is not None:
        number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    return number, currency


def _strip_currency(text: str, style: Style) -> tuple[str, str | None]:
    found = None
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if text.startswith(symbol) or text.endswith(symbol):
            found = style.yen if symbol in ("¥", "￥") else SYMBOLS[symbol]
            text = text[len(symbol):] if text.startswith(symbol) else text[:-len(symbol)]
            break
    else:
        head, _, tail = text.partition(" ")
        last = text.rsplit(" ", 1)
        if _CODE.fullmatch(head) and tail:
            found, text = head, tail
        elif len(last) == 2 and _CODE.fullmatch(last[1]):
            found, text = last[1], last[0]
        elif len(text) > 3 and _CODE.fullmatch(text[:3]) and not text[3].isalpha():
            found, text = text[:3], text[3:]
        elif len(text) > 3 and _CODE.fullmatch(text[-3:]) and not text[-4].isalpha():
            found, text = text[-3:], text[:-3]
    return text.strip(), found


def parse_int(value: Any, style: Style) -> int | None:
    """A whole number."""
    number = parse_number(value, style)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError("is not a whole number")
    return int(number)


# -- dates ---------------------------------------------------------------------------------
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_CJK = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{4,5}(?:\.\d+)?")


def excel_serial(serial: float, epoch_1904: bool = False) -> date:
    """An Excel date serial (days since 1899-12-30, or 1904-01-01) as a date."""
    if not 0 < serial < 2958466:
        raise CellError("is not a date (a serial number out of range)")
    return (_EXCEL_EPOCH_1904 if epoch_1904 else _EXCEL_EPOCH).date() + timedelta(days=int(serial))


def parse_date(value: Any, style: Style) -> date | None:
    """A date cell; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise CellError("is not a date (a time of day)")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return excel_serial(float(value), style.epoch_1904)
    text = normalise_text(value)
    if not text:
        return None
    try:
        return _date_text(text, style)
    except ValueError as exc:
        if isinstance(exc, CellError):
            raise
        raise CellError("is not a date (no such day)") from None


def _date_text(text: str, style: Style) -> date:
    if m := _ISO.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _CJK.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DOTTED.fullmatch(text):  # German and SAP: day first
        return date(_year(m[3]), int(m[2]), int(m[1]))
    if m := _SLASHED.fullmatch(text):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        order = style.date_order
        if order == "auto":
            order = "mdy" if second > 12 else "dmy"
            if first <= 12 and second <= 12 and style.date_order == "auto":
                order = "dmy"  # ambiguous: the European order, which these files mostly use
        return date(year, first, second) if order == "mdy" else date(year, second, first)
    if m := _COMPACT.fullmatch(text):  # SAP's internal YYYYMMDD
        return date(int(m[1]), int(m[2]), int(m[3]))
    if _SERIAL.fullmatch(text):
        return excel_serial(float(text), style.epoch_1904)
    raise CellError("is not a date (expected e.g. 31.12.2026, 2026-12-31 or 12/31/2026)")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


# -- periods -------------------------------------------------------------------------------
_P_YM = re.compile(r"(\d{4})\s*[-/.]\s*(?:P)?(\d{1,3})")
_P_MY = re.compile(r"(?:P)?(\d{1,3})\s*[-/.]\s*(\d{4})")
_P_Q = re.compile(r"(\d{4})\s*[-/ ]?\s*Q([1-4])|Q([1-4])\s*[-/ ]?\s*(\d{4})", re.IGNORECASE)
_P_CJK = re.compile(r"(\d{4})年(\d{1,2})月")
_P_COMPACT = re.compile(r"(\d{4})(\d{3})|(\d{4})(\d{2})")


def parse_period(value: Any, style: Style) -> str | None:
    """A fiscal period as `YYYY-MM` (SAP's special periods 13-16 as `YYYY-P13`), `YYYY-Qn`
    or `YYYY`; text that is none of these is kept as written."""
    if value is None:
        return None
    if isinstance(value, datetime | date) or (
            isinstance(value, int | float) and not isinstance(value, bool) and value > 10000):
        day = parse_date(value, style)
        assert day is not None
        return f"{day.year:04d}-{day.month:02d}"
    text = normalise_text(value).upper()
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return text
    if m := _P_Q.fullmatch(text):
        year, quarter = (m[1], m[2]) if m[1] else (m[4], m[3])
        return f"{year}-Q{quarter}"
    if m := _P_CJK.fullmatch(text):
        return _month(int(m[1]), int(m[2]))
    if m := _P_YM.fullmatch(text):
        return _month(int(m[1]), int(m[2]))
    if m := _P_MY.fullmatch(text):
        return _month(int(m[2]), int(m[1]))
    if m := _P_COMPACT.fullmatch(text):
        return _month(int(m[1] or m[3]), int(m[2] or m[4]))
    return text


def _month(year: int, period: int) -> str:
    if 1 <= period <= 12:
        return f"{year:04d}-{period:02d}"
    if 13 <= period <= 16:
        return f"{year:04d}-P{period}"
    raise CellError("is not a period (months are 1 to 12, SAP special periods 13 to 16)")


# -- the rest ------------------------------------------------------------------------------
def parse_text(value: Any, style: Style) -> str | None:
    """Text; numbers keep their digits (a cost center 4711 read as 4711.0 stays 4711)."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = normalise_text(value)
    return text or None


def parse_email(value: Any, style: Style) -> str | None:
    """An e-mail address, case-folded."""
    text = normalise_text(value).casefold()
    if not text:
        return None
    local, at, domain = text.partition("@")
    if not (at and local and "." in domain) or "@" in domain or " " in text:
        raise CellError("is not an e-mail address")
    return text


_YES = {"true", "yes", "y", "ja", "j", "x", "1", "wahr", "是", "✓", "✔"}
_NO = {"false", "no", "n", "nein", "0", "falsch", "否", ""}


def parse_bool(value: Any, style: Style) -> bool | None:
    """A yes/no cell (true/yes/ja/x/是...)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = normalise_text(value).casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False if text else None
    raise CellError("is not a yes/no value")


PARSERS: dict[str, Any] = {
    "text": parse_text, "number": parse_number, "int": parse_int, "date": parse_date,
    "period": parse_period, "email": parse_email, "bool": parse_bool,
}
